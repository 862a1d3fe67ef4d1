%% Upgrade time on the BEAM: N gen_servers suspended, changed (code_change) and resumed through sys.
%% Run: erl +S 1 -noshell -pa DIR -run bench_code main N   (prints one JSON line)
-module(bench_code).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2, code_change/3]).

main([NStr]) ->
    N = list_to_integer(NStr),
    Pids = [element(2, gen_server:start(?MODULE, #{count => 0}, [])) || _ <- lists:seq(1, N)],
    T0 = erlang:monotonic_time(microsecond),
    [sys:suspend(P) || P <- Pids],
    [ok = sys:change_code(P, ?MODULE, "1", extra) || P <- Pids],
    [sys:resume(P) || P <- Pids],
    Us = erlang:monotonic_time(microsecond) - T0,
    io:format("{\"ops\":~b,\"us\":~b,\"rate\":~.2f}~n", [N, Us, N * 1000000 / Us]),
    halt().

init(S) -> {ok, S}.
handle_call(get, _From, S) -> {reply, S, S}.
handle_cast(_, S) -> {noreply, S}.
code_change(_Old, S, _Extra) -> {ok, S#{history => []}}.
