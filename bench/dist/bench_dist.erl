%% The dist suite's BEAM side: `serve` runs on the peer node, `main` on the measuring node.
-module(bench_dist).
-export([serve/0, main/1]).

serve() ->
    register(echo, spawn(fun echo/0)),
    register(sink, spawn(fun() -> sink(0) end)),
    receive stop -> ok end.

echo() ->
    receive {From, M} -> From ! M, echo() end.

sink(N) ->
    receive
        {done, From} -> From ! {count, N}, sink(0);
        _ -> sink(N + 1)
    end.

main([PeerS]) ->
    Peer = list_to_atom(PeerS),
    Setup = setups(Peer, 100, []),
    Echo = rpc:call(Peer, erlang, whereis, [echo]),
    Sink = rpc:call(Peer, erlang, whereis, [sink]),
    pingpong(Echo, 2000),
    {PpUs, _} = timer:tc(fun() -> pingpong(Echo, 20000) end),
    Small = oneway(Sink, 200000, {small, 1}),
    Kb = oneway(Sink, 50000, binary:copy(<<"x">>, 1024)),
    io:format("~s~n", [lists:flatten(io_lib:format(
        "{\"setup_us\":~p,\"rtt_us\":~.3f,\"small_per_s\":~p,\"kb_per_s\":~p}",
        [median(Setup), PpUs / 20000, Small, Kb]))]),
    halt().

%% N timed set-ups. The peer node often connects back within the 20 ms, and a
%% connect_node to a connected node returns at once: such samples are not set-ups and are skipped.
setups(_, 0, Acc) -> Acc;
setups(Peer, N, Acc) ->
    erlang:disconnect_node(Peer),
    timer:sleep(20),
    case lists:member(Peer, nodes()) of
        true -> setups(Peer, N, Acc);
        false ->
            {Us, true} = timer:tc(fun() -> net_kernel:connect_node(Peer) end),
            setups(Peer, N - 1, [Us | Acc])
    end.

pingpong(_, 0) -> ok;
pingpong(Echo, N) ->
    Echo ! {self(), N},
    receive N -> pingpong(Echo, N - 1) end.

oneway(Sink, N, Msg) ->
    {Us, N} = timer:tc(fun() ->
        [Sink ! Msg || _ <- lists:seq(1, N)],
        Sink ! {done, self()},
        receive {count, C} -> C end
    end),
    round(N * 1000000 / Us).

median(L) -> lists:nth(length(L) div 2 + 1, lists:sort(L)).
