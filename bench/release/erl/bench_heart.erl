%% The Erlang anchor of the release suite's heart row: kills a node started with -heart (kill -9 of its
%% OS process) and prints the microseconds until it answers net_adm:ping again, started anew by the
%% heart's HEART_COMMAND; then stops it with init:stop (which heart does not restart).
-module(bench_heart).
-export([main/1]).

main([NodeS, TimeoutS]) ->
    Node = list_to_atom(NodeS),
    Timeout = list_to_integer(TimeoutS),
    ok = wait_pong(Node, deadline(Timeout)),
    OsPid = rpc:call(Node, os, getpid, []),
    true = monitor_node(Node, true),
    os:cmd("kill -9 " ++ OsPid),
    T0 = erlang:monotonic_time(microsecond),
    receive {nodedown, Node} -> ok after 5000 -> ok end,
    ok = wait_pong(Node, deadline(Timeout)),
    Us = erlang:monotonic_time(microsecond) - T0,
    NewPid = rpc:call(Node, os, getpid, []),
    true = monitor_node(Node, true),
    rpc:call(Node, init, stop, []),
    receive {nodedown, Node} -> ok after 10000 -> ok end,
    io:format("{\"us\": ~p, \"old\": ~s, \"new\": ~s}~n", [Us, OsPid, NewPid]),
    halt(0).

deadline(Ms) -> erlang:monotonic_time(millisecond) + Ms.

wait_pong(Node, Deadline) ->
    case net_adm:ping(Node) of
        pong -> ok;
        pang ->
            case erlang:monotonic_time(millisecond) > Deadline of
                true -> erlang:error({no_pong, Node});
                false -> timer:sleep(10), wait_pong(Node, Deadline)
            end
    end.
