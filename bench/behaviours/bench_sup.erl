%% A one_for_one supervisor of one registered worker, for the restart workload.
-module(bench_sup).
-behaviour(supervisor).
-export([start/1, init/1, start_worker/0]).

start(Intensity) ->
    {ok, Pid} = supervisor:start_link(?MODULE, Intensity),
    unlink(Pid),
    {ok, Pid}.

init(Intensity) ->
    {ok, {#{strategy => one_for_one, intensity => Intensity + 10, period => 3600},
          [#{id => worker, start => {?MODULE, start_worker, []}}]}}.

start_worker() ->
    gen_server:start_link({local, bench_worker}, bench_behaviours, 0, []).
