%% ets:select on the BEAM, beside otp-ts's match specs (bench/runtime/tables.mjs).
%% Run: erl +S 1 -noshell -pa DIR -run bench_tables main WORKLOAD
%% Prints one JSON object on one line: nanoseconds per row scanned (or per call), best of 5 after a warm-up.
-module(bench_tables).
-export([main/1]).

-define(ROWS, 100000).

main([Workload]) ->
    {Type, Kind} = case Workload of
        "scan_set" -> {set, scan};
        "scan_ordered" -> {ordered_set, scan};
        "reverse_ordered" -> {ordered_set, reverse};
        "replace_set" -> {set, replace};
        "bound_set" -> {set, bound}
    end,
    T = ets:new(t, [Type, public]),
    [ets:insert(T, {I, integer_to_binary(I), I rem 100}) || I <- lists:seq(1, ?ROWS)],
    Run = fun() -> run(Kind, T) end,
    Run(),
    Runs = lists:sort([Run() || _ <- lists:seq(1, 5)]),
    io:format("{\"ns\":~.3f,\"median_ns\":~.3f,\"matches\":~p}~n", [element(1, hd(Runs)), element(1, lists:nth(3, Runs)), element(2, hd(Runs))]),
    halt().

now_ns() -> erlang:monotonic_time(nanosecond).

%% 20 selects over every row: the age > 50 guard keeps 49% of them, the result is the name.
run(scan, T) ->
    Ms = [{{'_', '$1', '$2'}, [{'>', '$2', 50}], ['$1']}],
    T0 = now_ns(),
    N = loop(20, fun() -> length(ets:select(T, Ms)) end, 0),
    {(now_ns() - T0) / (20 * ?ROWS), N div 20};
%% The same with select_reverse over the ordered_set.
run(reverse, T) ->
    Ms = [{{'_', '$1', '$2'}, [{'>', '$2', 50}], ['$1']}],
    T0 = now_ns(),
    N = loop(20, fun() -> length(ets:select_reverse(T, Ms)) end, 0),
    {(now_ns() - T0) / (20 * ?ROWS), N div 20};
%% 20 select_replace calls: each rebuilds the 49% of rows with age > 50 as equal tuples and writes them back.
run(replace, T) ->
    Ms = [{{'$1', '$2', '$3'}, [{'>', '$3', 50}], [{{'$1', '$2', '$3'}}]}],
    T0 = now_ns(),
    N = loop(20, fun() -> ets:select_replace(T, Ms) end, 0),
    {(now_ns() - T0) / (20 * ?ROWS), N div 20};
%% 100k selects, each with another bound key.
run(bound, T) ->
    T0 = now_ns(),
    N = bound(1, 0, T),
    {(now_ns() - T0) / ?ROWS, N}.

loop(0, _, Acc) -> Acc;
loop(K, F, Acc) -> loop(K - 1, F, Acc + F()).

bound(I, Acc, _T) when I > ?ROWS -> Acc;
bound(I, Acc, T) ->
    [_] = ets:select(T, [{{I, '$1', '_'}, [], ['$1']}]),
    bound(I + 1, Acc + 1, T).
