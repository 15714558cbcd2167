"""Entry points: one request (`cold_main`), or the warm worker that forks one child per request (`serve`)."""

from __future__ import annotations

import json
import os
import sys

from .isolation import die_with_parent
from .loading import openapi_module, safe_str
from .worker import run_request


def _read_request(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        request = json.load(handle)
    try:
        os.unlink(path)  # the nonce and the payload are not left for the script to read
    except OSError:
        pass
    return request


def cold_main(result_fd: int, request_path: str) -> None:
    request = _read_request(request_path)
    die_with_parent(result_fd)  # scorelint's death (SIGKILL included) ends the run
    run_request(request, result_fd)


def serve(sock_fd: int, preload) -> None:
    """The warm worker: import the heavy modules once, then fork one isolated child per request.

    The parent sends {"request": PATH} with three file descriptors (stdout, stderr, result) and gets
    back {"pid": PID} when the child starts and {"status": WAIT_STATUS} when it ends.
    """
    import socket

    die_with_parent()
    sock = socket.socket(fileno=sock_fd)
    if not hasattr(socket, "recv_fds"):
        sock.sendall(json.dumps({"ready": False, "error": "the warm worker needs Python 3.9 or newer (this is %s)"
                                 % sys.version.split()[0]}).encode())
        os._exit(0)
    loaded, failed = [], {}
    for name in preload:
        try:
            __import__(name)
            loaded.append(name)
        except BaseException as exc:  # noqa: BLE001 - a missing package is not an error here
            failed[name] = "%s: %s" % (type(exc).__name__, safe_str(exc))
    openapi_module()
    sock.sendall(json.dumps({"ready": True, "python": sys.executable, "python_version": sys.version.split()[0],
                             "preloaded": loaded, "failed": failed}).encode())
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(sock, 65536, 3)
        except InterruptedError:
            continue
        except OSError:
            os._exit(0)
        if not message:
            os._exit(0)
        order = json.loads(message)
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            sock.sendall(json.dumps({"error": "expected 3 file descriptors"}).encode())
            continue
        pid = os.fork()
        if pid == 0:
            try:
                os.setsid()
                die_with_parent()  # a request does not outlive its worker
                sock.close()
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                os.dup2(fds[0], 1)
                os.dup2(fds[1], 2)
                os.close(null)
                os.close(fds[0])
                os.close(fds[1])
                request = _read_request(order["request"])
                run_request(request, fds[2])
            finally:
                os._exit(70)
        for fd in fds:
            os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode())
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                status = 0
                break
        sock.sendall(json.dumps({"status": status}).encode())


def main(argv) -> None:
    if len(argv) >= 3 and argv[1] == "--serve":
        serve(int(argv[2]), argv[3].split(",") if len(argv) > 3 and argv[3] else [])
    elif len(argv) == 3:
        cold_main(int(argv[1]), argv[2])
    else:
        sys.stderr.write("usage: _child.py RESULT_FD REQUEST_FILE | --serve SOCKET_FD [MODULES]\n")
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv)
