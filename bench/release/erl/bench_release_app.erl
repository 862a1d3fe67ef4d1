%% The Erlang anchor of the release boot benchmark: a minimal application (a supervisor and one
%% gen_server) booted from a systools boot script; it prints "started bench_release VSN" once running.
-module(bench_release_app).
-behaviour(application).
-export([start/2, stop/1]).

start(_Type, _Args) ->
    {ok, Sup} = bench_release_sup:start_link(),
    {ok, Vsn} = application:get_key(bench_release, vsn),
    io:format("started bench_release ~s~n", [Vsn]),
    {ok, Sup}.

stop(_State) -> ok.
