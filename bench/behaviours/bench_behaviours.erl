%% The behaviour workloads on the BEAM, for side-by-side ratios with otp-ts.
%% Run: erl +S 1 -noshell -pa DIR -run bench_behaviours main WORKLOAD   (prints one JSON line)
-module(bench_behaviours).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2, handle_info/2]).

main([Workload]) ->
    io:format("~s~n", [json(run(list_to_atom(Workload)))]),
    halt().

now_us() -> erlang:monotonic_time(microsecond).

init(Arg) -> {ok, Arg}.
handle_call(ping, _From, S) -> {reply, pong, S};
handle_call({work, Hibernate}, _From, S) ->
    _ = [{I} || I <- lists:seq(1, 200)],
    case Hibernate of
        true -> {reply, ok, S, hibernate};
        false -> {reply, ok, S}
    end.
handle_cast(inc, S) -> {noreply, S + 1}.
handle_info(_, S) -> {noreply, S}.

run(called_server) -> after_calls(false);
run(hibernated_server) -> after_calls(true);
run(send_object_isolated) -> run(send_object);
run(send_object) ->
    N = 1000000, Window = 1000,
    Self = self(),
    Rx = spawn(fun() -> receive_acking(Self, N div Window, Window) end),
    T0 = now_us(),
    send_windows(Rx, N div Window, Window),
    Us = now_us() - T0,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(call_seq) ->
    N = 1000000,
    {ok, P} = gen_server:start(?MODULE, 0, []),
    T0 = now_us(),
    calls(P, N),
    Us = now_us() - T0,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(call_huge_queue) ->
    Queue = 200000, N = 2000,
    {ok, P} = gen_server:start(?MODULE, 0, []),
    Self = self(),
    [Self ! {noise, I} || I <- lists:seq(1, Queue)],
    T0 = now_us(),
    calls(P, N),
    Us = now_us() - T0,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(send_request) ->
    N = 200000, Window = 100,
    {ok, P} = gen_server:start(?MODULE, 0, []),
    T0 = now_us(),
    requests(P, N div Window, Window),
    Us = now_us() - T0,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(call_100) ->
    Clients = 100, Each = 10000,
    {ok, P} = gen_server:start(?MODULE, 0, []),
    Self = self(),
    T0 = now_us(),
    [spawn(fun() -> calls(P, Each), Self ! done end) || _ <- lists:seq(1, Clients)],
    [receive done -> ok end || _ <- lists:seq(1, Clients)],
    Us = now_us() - T0,
    [{ops, Clients * Each}, {us, Us}, {rate, Clients * Each * 1000000 / Us}];
run(cast) ->
    N = 1000000,
    {ok, P} = gen_server:start(?MODULE, 0, []),
    T0 = now_us(),
    casts(P, N),
    pong = gen_server:call(P, ping, infinity),
    Us = now_us() - T0,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(restart) ->
    N = 10000,
    logger:set_primary_config(level, none),
    {ok, _Sup} = bench_sup:start(N),
    T0 = now_us(),
    restarts(N),
    Us = now_us() - T0,
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}];
run(idle_server) ->
    N = 10000,
    erlang:garbage_collect(),
    M0 = erlang:memory(processes),
    T0 = now_us(),
    Pids = [element(2, gen_server:start(?MODULE, 0, [])) || _ <- lists:seq(1, N)],
    Us = now_us() - T0,
    M1 = erlang:memory(processes),
    ListBytes = N * 2 * erlang:system_info(wordsize),
    _ = length(Pids),
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}, {bytes_per_process, (M1 - M0 - ListBytes) / N}];
run(start_warm) ->
    N = 10000,
    [begin
         First = [element(2, gen_server:start(?MODULE, 0, [])) || _ <- lists:seq(1, N)],
         [begin MRef = monitor(process, P), exit(P, kill), receive {'DOWN', MRef, _, _, _} -> ok end end || P <- First]
     end || _ <- [1, 2]],
    erlang:garbage_collect(),
    T0 = now_us(),
    Pids = [element(2, gen_server:start(?MODULE, 0, [])) || _ <- lists:seq(1, N)],
    Us = now_us() - T0,
    _ = length(Pids),
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}].

calls(_, 0) -> ok;
calls(P, N) -> pong = gen_server:call(P, ping), calls(P, N - 1).
casts(_, 0) -> ok;
casts(P, N) -> gen_server:cast(P, inc), casts(P, N - 1).

restarts(0) -> ok;
restarts(N) ->
    Old = whereis(bench_worker),
    exit(Old, kill),
    wait_new(Old),
    restarts(N - 1).
wait_new(Old) ->
    case whereis(bench_worker) of
        P when is_pid(P), P =/= Old -> ok;
        _ -> erlang:yield(), wait_new(Old)
    end.

json(Props) ->
    Fields = [io_lib:format("\"~s\":~s", [K, num(V)]) || {K, V} <- Props],
    ["{", lists:join(",", Fields), "}"].
num(V) when is_integer(V) -> integer_to_list(V);
num(V) when is_float(V) -> float_to_list(V, [{decimals, 2}]).

after_calls(Hibernate) ->
    N = 10000,
    erlang:garbage_collect(),
    M0 = erlang:memory(processes),
    T0 = now_us(),
    Pids = [element(2, gen_server:start(?MODULE, 0, [])) || _ <- lists:seq(1, N)],
    [ok = gen_server:call(P, {work, Hibernate}) || _ <- [1, 2, 3], P <- Pids],
    Us = now_us() - T0,
    M1 = erlang:memory(processes),
    ListBytes = N * 2 * erlang:system_info(wordsize),
    _ = length(Pids),
    [{ops, N}, {us, Us}, {rate, N * 1000000 / Us}, {bytes_per_process, (M1 - M0 - ListBytes) / N}].

receive_acking(_, 0, _) -> ok;
receive_acking(To, Windows, Window) ->
    receive_n(Window),
    To ! ack,
    receive_acking(To, Windows - 1, Window).
receive_n(0) -> ok;
receive_n(N) -> receive _ -> receive_n(N - 1) end.
send_windows(_, 0, _) -> ok;
send_windows(Rx, Windows, Window) ->
    send_objects(Rx, 0, Window),
    receive ack -> ok end,
    send_windows(Rx, Windows - 1, Window).
send_objects(_, N, N) -> ok;
send_objects(Rx, I, N) ->
    Rx ! #{seq => I, item => #{sku => <<"a">>, qty => 1}, tags => [x, y]},
    send_objects(Rx, I + 1, N).

requests(_, 0, _) -> ok;
requests(P, Rounds, Window) ->
    Ids = [gen_server:send_request(P, ping) || _ <- lists:seq(1, Window)],
    [{reply, pong} = gen_server:wait_response(Id, infinity) || Id <- Ids],
    requests(P, Rounds - 1, Window).
