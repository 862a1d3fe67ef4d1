%% The top supervisor of the Erlang anchor release: one gen_server, one_for_one.
-module(bench_release_sup).
-behaviour(supervisor).
-export([start_link/0, init/1]).

start_link() -> supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    Server = #{id => bench_release_server, start => {bench_release_server, start_link, []}},
    {ok, {#{strategy => one_for_one, intensity => 5, period => 10}, [Server]}}.
