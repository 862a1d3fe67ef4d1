%% The pg workloads on the BEAM, for side-by-side ratios with otp-ts.
%% Run: erl +S 1 -noshell -pa DIR -run bench_pg main WORKLOAD   (prints one JSON line)
-module(bench_pg).
-export([main/1]).

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
