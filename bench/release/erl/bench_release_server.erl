%% The one gen_server of the Erlang anchor release: a count per key, as the otp-ts template's server.
-module(bench_release_server).
-behaviour(gen_server).
-export([start_link/0, init/1, handle_call/3, handle_cast/2]).

start_link() -> gen_server:start_link({local, ?MODULE}, ?MODULE, #{}, []).

init(Counts) -> {ok, Counts}.
handle_call({bump, Key, By}, _From, Counts) ->
    N = maps:get(Key, Counts, 0) + By,
    {reply, N, Counts#{Key => N}};
handle_call({count, Key}, _From, Counts) -> {reply, maps:get(Key, Counts, 0), Counts}.
handle_cast(reset, _Counts) -> {noreply, #{}}.
