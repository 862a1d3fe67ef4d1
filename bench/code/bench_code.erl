%% Upgrade time on the BEAM: N gen_servers suspended, changed (code_change) and resumed through sys.
%% Run: erl +S 1 -noshell -pa DIR -run bench_code main N   (prints one JSON line)
-module(bench_code).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2, code_change/3]).

main([NStr]) ->
    N = list_to_integer(NStr),
    Pids = [element(2, gen_server:start(?MODULE, #{count => 0}, [])) || _ <- lists:seq(1, N)],
    Us = upgrade(Pids),
    io:format("{\"ops\":~b,\"us\":~b,\"rate\":~.2f}~n", [N, Us, N * 1000000 / Us]),
    halt();
%% With "idle" and a count: that many plain processes waiting in a receive first, which the upgrade does not touch.
main([NStr, "idle", IdleStr]) ->
    N = list_to_integer(NStr),
    _Idle = [spawn(fun() -> receive stop -> ok end end) || _ <- lists:seq(1, list_to_integer(IdleStr))],
    Pids = [element(2, gen_server:start(?MODULE, #{count => 0}, [])) || _ <- lists:seq(1, N)],
    Us = upgrade(Pids),
    io:format("{\"ops\":~b,\"us\":~b,\"rate\":~.2f}~n", [N, Us, N * 1000000 / Us]),
    halt();
%% With a number of rounds: that many upgrades of the same servers in one VM, each one's µs in order.
main([NStr, RoundsStr]) ->
    N = list_to_integer(NStr),
    Pids = [element(2, gen_server:start(?MODULE, #{count => 0}, [])) || _ <- lists:seq(1, N)],
    Rounds = [upgrade(Pids) || _ <- lists:seq(1, list_to_integer(RoundsStr))],
    io:format("{\"ops\":~b,\"rounds\":[~s]}~n", [N, lists:join(",", [integer_to_list(R) || R <- Rounds])]),
    halt().

upgrade(Pids) ->
    T0 = erlang:monotonic_time(microsecond),
    [sys:suspend(P) || P <- Pids],
    [ok = sys:change_code(P, ?MODULE, "1", extra) || P <- Pids],
    [sys:resume(P) || P <- Pids],
    erlang:monotonic_time(microsecond) - T0.

init(S) -> {ok, S}.
handle_call(get, _From, S) -> {reply, S, S}.
handle_cast(_, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S#{history => []}}.
