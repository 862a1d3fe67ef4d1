%% The BEAM side of bench/profile: a gen_server call loop (100,000 calls, best of 5) with nothing on and
%% with eprof profiling the caller and the server (OTP 25 has eprof and fprof; tprof arrived in OTP 27);
%% and, with `dump`, 100,000 waiting processes and erlang:halt/1, which writes erl_crash.dump.
-module(bench_profile).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2]).

-define(N, 100000).

init(_) -> {ok, 0}.
handle_call(_Req, _From, S) -> {reply, S + 1, S + 1}.
handle_cast(_Req, S) -> {noreply, S}.

loop(_Pid, 0) -> ok;
loop(Pid, N) -> gen_server:call(Pid, inc), loop(Pid, N - 1).

rate(Profiled) ->
    lists:max([begin
        {ok, Pid} = gen_server:start(?MODULE, [], []),
        case Profiled of
            true -> profiling = eprof:start_profiling([self(), Pid]);
            false -> ok
        end,
        T0 = erlang:monotonic_time(microsecond),
        loop(Pid, ?N),
        Us = erlang:monotonic_time(microsecond) - T0,
        case Profiled of
            true -> profiling_stopped = eprof:stop_profiling();
            false -> ok
        end,
        gen_server:stop(Pid),
        ?N / (Us / 1000000)
    end || _ <- lists:seq(1, 5)]).

main(["dump"]) ->
    [spawn(fun() -> receive never -> ok end end) || _ <- lists:seq(1, 100000)],
    io:format("~p~n", [os:system_time(microsecond)]),
    erlang:halt("bench_profile: a crash dump of 100k processes");
main(_) ->
    {ok, _} = eprof:start(),
    None = rate(false),
    Eprof = rate(true),
    io:format("{\"none\":~.1f,\"eprof\":~.1f}~n", [None, Eprof]),
    halt().
