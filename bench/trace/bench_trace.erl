%% The BEAM side of bench/trace: a gen_server call loop (100,000 calls, best of 5) with no trace, with a
%% call trace on another function, and with a call trace on the called handle_call that a tracer process
%% removes after 10 events (recon_trace's limit, done with the erlang:trace BIFs dbg is built on).
-module(bench_trace).
-behaviour(gen_server).
-export([main/1, other/0, init/1, handle_call/3, handle_cast/2]).

-define(N, 100000).

init(_) -> {ok, 0}.
handle_call(_Req, _From, S) -> {reply, S + 1, S + 1}.
handle_cast(_Req, S) -> {noreply, S}.
other() -> ok.

loop(_Pid, 0) -> ok;
loop(Pid, N) -> gen_server:call(Pid, inc), loop(Pid, N - 1).

rate(Setup) ->
    lists:max([begin
        {ok, Pid} = gen_server:start(?MODULE, [], []),
        Stop = Setup(Pid),
        T0 = erlang:monotonic_time(microsecond),
        loop(Pid, ?N),
        Us = erlang:monotonic_time(microsecond) - T0,
        Stop(),
        gen_server:stop(Pid),
        ?N / (Us / 1000000)
    end || _ <- lists:seq(1, 5)]).

%% A tracer that counts events and, at Limit, removes the pattern and the flags itself.
tracer(MFA, Limit) ->
    receive
        stop -> ok;
        _Event when Limit =< 1 ->
            erlang:trace_pattern(MFA, false, [local]),
            erlang:trace(all, false, [call]),
            tracer(MFA, 0);
        _Event -> tracer(MFA, Limit - 1)
    end.

traced(MFA, Limit) ->
    fun(Pid) ->
        Tracer = spawn(fun() -> tracer(MFA, Limit) end),
        erlang:trace(Pid, true, [call, {tracer, Tracer}]),
        erlang:trace_pattern(MFA, true, [local]),
        fun() ->
            erlang:trace_pattern(MFA, false, [local]),
            catch erlang:trace(Pid, false, [call]),
            Tracer ! stop
        end
    end.

main(_) ->
    None = rate(fun(_) -> fun() -> ok end end),
    Other = rate(traced({?MODULE, other, 0}, 10)),
    Called = rate(traced({?MODULE, handle_call, 3}, 10)),
    io:format("{\"none\":~.1f,\"other\":~.1f,\"called_limit\":~.1f}~n", [None, Other, Called]),
    halt().
