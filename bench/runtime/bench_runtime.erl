%% The runtime workloads on the BEAM, for side-by-side ratios with otp-ts.
%% Run: erl +S 1 -noshell -pa DIR -run bench_runtime main WORKLOAD
%% Prints one JSON object on one line.
-module(bench_runtime).
-export([main/1]).

main([Workload]) ->
    Result = run(list_to_atom(Workload)),
    io:format("~s~n", [json(Result)]),
    halt().

now_us() -> erlang:monotonic_time(microsecond).

idle() -> receive stop -> ok end.

run(spawn_100k) -> spawn_idle(100000);
run(spawn_1m) -> spawn_idle(1000000);
run(pingpong) ->
    N = 1000000,
    Self = self(),
    Pong = spawn(fun() -> pong() end),
    T0 = now_us(),
    ping(Pong, Self, N),
    Us = now_us() - T0,
    Pong ! stop,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(fanin) ->
    Senders = 100, Each = 10000,
    Self = self(),
    T0 = now_us(),
    [spawn(fun() -> send_n(Self, Each) end) || _ <- lists:seq(1, Senders)],
    recv_n(Senders * Each),
    Us = now_us() - T0,
    [{ops, Senders * Each}, {us, Us}, {rate, Senders * Each * 1000000 / Us}];
run(ring) ->
    Size = 10000, Laps = 100,
    Self = self(),
    First = lists:foldl(fun(_, Next) -> spawn(fun() -> ring_node(Next) end) end, Self, lists:seq(1, Size)),
    T0 = now_us(),
    First ! Laps,
    ring_main(First),
    Us = now_us() - T0,
    Hops = Size * Laps,
    [{ops, Hops}, {us, Us}, {rate, Hops * 1000000 / Us}];
run(selective) ->
    Backlog = 10000, Rounds = 1000,
    Self = self(),
    [Self ! {noise, I} || I <- lists:seq(1, Backlog)],
    T0 = now_us(),
    selective(Rounds),
    Us = now_us() - T0,
    [{ops, Rounds}, {us, Us}, {rate, Rounds * 1000000 / Us}, {backlog, Backlog}].

spawn_idle(N) ->
    erlang:garbage_collect(),
    M0 = erlang:memory(processes),
    T0 = now_us(),
    Pids = [spawn(fun idle/0) || _ <- lists:seq(1, N)],
    Us = now_us() - T0,
    M1 = erlang:memory(processes),
    ListBytes = N * 2 * erlang:system_info(wordsize),
    T1 = now_us(),
    [exit(P, kill) || P <- Pids],
    wait_dead(lists:last(Pids)),
    KillUs = now_us() - T1,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us},
     {bytes_per_process, (M1 - M0 - ListBytes) / N},
     {kill_rate, N * 1000000 / max(KillUs, 1)}].

wait_dead(P) ->
    case is_process_alive(P) of true -> erlang:yield(), wait_dead(P); false -> ok end.

pong() -> receive {ping, From} -> From ! pong, pong(); stop -> ok end.
ping(_, _, 0) -> ok;
ping(Pong, Self, N) -> Pong ! {ping, Self}, receive pong -> ping(Pong, Self, N - 1) end.

send_n(_, 0) -> ok;
send_n(To, N) -> To ! msg, send_n(To, N - 1).
recv_n(0) -> ok;
recv_n(N) -> receive msg -> recv_n(N - 1) end.

ring_node(Next) ->
    receive 0 -> Next ! 0; T -> Next ! T, ring_node(Next) end.
ring_main(First) ->
    receive
        0 -> ok;
        1 -> First ! 0, receive 0 -> ok end;
        T -> First ! T - 1, ring_main(First)
    end.

selective(0) -> ok;
selective(N) ->
    self() ! {wanted, N},
    receive {wanted, N} -> selective(N - 1) end.

json(Props) ->
    Fields = [io_lib:format("\"~s\":~s", [K, num(V)]) || {K, V} <- Props],
    ["{", lists:join(",", Fields), "}"].
num(V) when is_integer(V) -> integer_to_list(V);
num(V) when is_float(V) -> float_to_list(V, [{decimals, 2}]).
