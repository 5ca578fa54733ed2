"""`make run`'s web port: one listening socket per web process on the same port (SO_REUSEPORT),
so the kernel spreads new connections over the processes instead of the first awake taking most."""

import select
import socket

from stack.__main__ import listening_sockets


def test_each_web_process_gets_a_socket_on_the_one_port_and_connections_are_spread_over_them():
    listeners = listening_sockets("127.0.0.1", "0", 2)
    clients = []
    try:
        [port] = {listener.getsockname()[1] for listener in listeners}
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        accepted = [0, 0]
        while sum(accepted) < len(clients):
            ready, _, _ = select.select(listeners, [], [], 5)
            assert ready, f"only {sum(accepted)} of {len(clients)} connections arrived"
            for listener in ready:
                listener.accept()[0].close()
                accepted[listeners.index(listener)] += 1

        assert all(accepted), accepted
        assert all(listener.get_inheritable() for listener in listeners)
        assert all(listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for listener in listeners)
    finally:
        for sock in [*clients, *listeners]:
            sock.close()


def test_one_web_process_gets_one_plain_socket():
    [listener] = listening_sockets("127.0.0.1", "0", 1)
    try:
        assert not listener.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)
    finally:
        listener.close()
