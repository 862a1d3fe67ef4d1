%% The pg workloads on the BEAM, for side-by-side ratios with otp-ts.
%% Run: erl +S 1 -noshell -pa DIR -run bench_pg main WORKLOAD   (prints one JSON line)
-module(bench_pg).
-export([main/1, serve_remote/0, main_remote/1]).

main([Workload]) ->
    {ok, _} = pg:start_link(),
    io:format("~s~n", [json(run(list_to_atom(Workload)))]),
    halt().

now_us() -> erlang:monotonic_time(microsecond).

idle() -> receive _ -> idle() end.

run(join) ->
    Procs = [spawn(fun idle/0) || _ <- lists:seq(1, 10000)],
    Indexed = lists:zip(lists:seq(0, 9999), Procs),
    T0 = now_us(),
    [ok = pg:join({group, (I + G) rem 100}, P) || G <- lists:seq(0, 9), {I, P} <- Indexed],
    Us = now_us() - T0,
    N = 100000,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(get_members) ->
    Procs = [spawn(fun idle/0) || _ <- lists:seq(1, 100)],
    ok = pg:join(readers, Procs),
    Extra = spawn(fun idle/0),
    N = 1000000,
    T0 = now_us(),
    Seen = reads(0, N, Extra, 0),
    Us = now_us() - T0,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}, {seen, Seen}].

reads(N, N, _, Seen) -> Seen;
reads(I, N, Extra, Seen) ->
    L = length(pg:get_members(readers)),
    case I rem 1000 of
        999 -> ok = pg:join(readers, Extra), ok = pg:leave(readers, Extra);
        _ -> ok
    end,
    reads(I + 1, N, Extra, Seen + L).

json(Props) ->
    Fields = [io_lib:format("\"~s\":~s", [K, num(V)]) || {K, V} <- Props],
    ["{", lists:join(",", Fields), "}"].
num(V) when is_integer(V) -> integer_to_list(V);
num(V) when is_float(V) -> float_to_list(V, [{decimals, 2}]).

%% Cross-node workloads (bench/pg/run.mjs): `serve_remote` runs on the peer node, `main_remote` on the measuring one.
%% The peer's watcher counts the joins of the scope as seen there, as bench/pg/remote-peer.mjs does.
serve_remote() ->
    {ok, _} = pg:start(pg),
    register(pg_watch, spawn(fun watch/0)),
    io:format("ready~n"),
    receive stop -> ok end.

watch() ->
    receive
        {watch, Want, Each, From} ->
            {Ref, _Groups} = pg:monitor_scope(),
            From ! subscribed,
            Seen = watch_loop(Ref, 0, Want, Each, From),
            pg:demonitor(Ref),
            From ! {seen, Seen},
            watch()
    end.

watch_loop(_Ref, Seen, Want, _Each, _From) when Seen >= Want -> Seen;
watch_loop(Ref, Seen, Want, Each, From) ->
    receive
        {Ref, join, _Group, Pids} ->
            S = Seen + length(Pids),
            Each andalso (From ! {ack, S}),
            watch_loop(Ref, S, Want, Each, From);
        {Ref, leave, _Group, _Pids} ->
            watch_loop(Ref, Seen, Want, Each, From)
    end.

-define(N, 10000).
-define(K, 1000).

main_remote([PeerS, RepsS]) ->
    Peer = list_to_atom(PeerS),
    Reps = list_to_integer(RepsS),
    {ok, _} = pg:start(pg),
    pong = net_adm:ping(Peer),
    Watcher = {pg_watch, Peer},
    _ = spread(Watcher, 0),
    _ = latency(Watcher, 1),
    Rounds = [{spread(Watcher, 2 * I), latency(Watcher, 2 * I + 1)} || I <- lists:seq(1, Reps)],
    Spreads = lists:reverse(lists:sort([S || {S, _} <- Rounds])),
    Lats = lists:sort([L || {_, L} <- Rounds]),
    {Rate, LocalRate} = hd(Spreads),
    {MedianRate, _} = lists:nth(Reps div 2 + 1, Spreads),
    {MedUs, P99} = hd(Lats),
    {MedMedUs, _} = lists:nth(Reps div 2 + 1, Lats),
    io:format("~s~n", [json([{rate, Rate}, {median_rate, MedianRate}, {local_rate, LocalRate},
                             {median_us, MedUs}, {median_median_us, MedMedUs}, {p99_us, P99}])]),
    halt().

spread(Watcher, Round) ->
    Procs = lists:zip(lists:seq(0, ?N - 1), [spawn(fun idle/0) || _ <- lists:seq(1, ?N)]),
    Watcher ! {watch, ?N, false, self()},
    receive subscribed -> ok end,
    T0 = now_us(),
    [ok = pg:join({spread, Round, I rem 100}, P) || {I, P} <- Procs],
    Local = now_us() - T0,
    receive {seen, _} -> ok end,
    Us = now_us() - T0,
    [exit(P, kill) || {_, P} <- Procs],
    {?N * 1000000 / Us, ?N * 1000000 / Local}.

latency(Watcher, Round) ->
    Group = {lat, Round},
    Procs = [spawn(fun idle/0) || _ <- lists:seq(1, ?K)],
    Watcher ! {watch, ?K, true, self()},
    receive subscribed -> ok end,
    Us = lat_loop(Procs, 1, Group, []),
    receive {seen, _} -> ok end,
    [exit(P, kill) || P <- Procs],
    Sorted = lists:sort(Us),
    {float(lists:nth(?K div 2 + 1, Sorted)), float(lists:nth(?K * 99 div 100 + 1, Sorted))}.

lat_loop([], _I, _Group, Acc) -> Acc;
lat_loop([P | Ps], I, Group, Acc) ->
    T0 = erlang:monotonic_time(nanosecond),
    ok = pg:join(Group, P),
    receive {ack, I} -> ok end,
    Us = (erlang:monotonic_time(nanosecond) - T0) / 1000,
    lat_loop(Ps, I + 1, Group, [Us | Acc]).
