"""A warm worker: the workflow imported once, every run a fork of it.

`wt serve` starts `python -m <package>.warm SOCKET` in the workflow's environment, from the
workspace folder. The worker imports what every run imports (the package's CLI and DAGs, and
with them wt_task, pydantic and the task libraries), prints `ready` on stdout and serves runs
on the Unix socket SOCKET until its standard input closes (the server is gone).

One connection is one run:

1. the server sends one byte carrying two file descriptors (SCM_RIGHTS), the run's stdout
   and stderr, then one JSON line: `{"args": [...], "cwd": "...", "set": {...}, "unset": [...]}`;
2. the worker forks; it answers `pid N` once the child leads its own process group (so the
   server can kill the whole group), then `status S` with the child's raw wait status;
3. a connection closed before the child ended (the run was cancelled) kills the child's group.

The child starts from the worker's own state, never from another run's: it takes the run's
environment (`unset`, then `set`, applied to the worker's environment as it started), working
folder and output, runs the CLI as `python -m <package>.cli ARGS` would, and exits. The worker
itself never runs workflow code, so a crash, `os._exit`, a leaked thread or a changed global
in one run cannot reach the next.

Exit status of a worker that never got ready: 3 when the workflow cannot be imported, 4 when
importing it started threads (forking a process with threads is unsafe); the reason is on
stderr.
"""

import atexit
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import tempfile
import threading
import traceback
from typing import Any

# Modules of the package a run imports, in order: the CLI, then every DAG variant (which
# import the task libraries).
PRELOADED = (
    "cli",
    "dispatch",
    "metadata",
    "dags.run_sequential",
    "dags.run_sequential_mock_io",
    "dags.run_graph",
    "dags.run_graph_mock_io",
)
# Modules the CLI imports only when a run needs them, preloaded when installed.
OPTIONAL = ("ruamel.yaml", "wt_contracts", "obstore")
LONGEST_REQUEST = 8 * 1024 * 1024
REQUEST_TIMEOUT = 10.0


def _package() -> str:
    """The workflow's package (this module is `<package>.warm`, also when run with -m)."""
    return __package__ or __name__.rpartition(".")[0]


def preload() -> Any:
    """Imports the workflow; returns its CLI module."""
    package = _package()
    for name in PRELOADED:
        importlib.import_module(f"{package}.{name}")
    for name in OPTIONAL:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    metadata = sys.modules[f"{package}.metadata"]
    metadata.load_params_schema()
    return sys.modules[f"{package}.cli"]


def _read_request(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    conn.settimeout(REQUEST_TIMEOUT)
    _, fds, _, _ = socket.recv_fds(conn, 1, 2)
    if len(fds) != 2:
        for fd in fds:
            os.close(fd)
        raise ValueError(f"expected 2 file descriptors, got {len(fds)}")
    data = b""
    try:
        while not data.endswith(b"\n"):
            chunk = conn.recv(65536)
            if not chunk or len(data) + len(chunk) > LONGEST_REQUEST:
                raise ValueError("incomplete or oversized request")
            data += chunk
        request = json.loads(data)
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    conn.settimeout(None)
    return request, fds


def _child_exit_code(cli: Any, request: dict[str, Any]) -> int:
    """Runs the CLI as `python -m <package>.cli ARGS` does; its exit code."""
    os.chdir(request["cwd"])
    for name in request["unset"]:
        os.environ.pop(name, None)
    os.environ.update(request["set"])
    # The worker's temporary folder may not be the run's (TMPDIR is per run).
    tempfile.tempdir = None
    sys.argv = [cli.__file__, *request["args"]]
    try:
        cli.cli.main(args=request["args"], prog_name=cli.RELEASE_NAME)
    except SystemExit as e:
        if e.code is None:
            return 0
        if isinstance(e.code, int):
            return e.code
        print(e.code, file=sys.stderr)
        return 1
    return 0


def _child(
    cli: Any, request: dict[str, Any], fds: list[int], inherited: list[int]
) -> None:
    """The forked run; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd in inherited:
            os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in (null, *fds):
            os.close(fd)
        code = _child_exit_code(cli, request)
    except BaseException:  # noqa: BLE001 - the run's own process reports everything
        traceback.print_exc()
    finally:
        try:
            # What interpreter exit does: wait for the threads that are not daemons, then run
            # the exit functions (exporters flush their spans, logging closes).
            shutdown = getattr(threading, "_shutdown", None)
            if shutdown is not None:
                shutdown()
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


class Worker:
    """The fork server's state: the listening socket, and one connection per running child."""

    def __init__(self, cli: Any, path: str) -> None:
        self.cli = cli
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(128)
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "reap")
        self.selector.register(sys.stdin, selectors.EVENT_READ, "stdin")
        # pid -> the connection of its run (None once the server hung up).
        self.runs: dict[int, socket.socket | None] = {}

    def inherited(self) -> list[int]:
        """File descriptors a child must not keep: the server would wait on them."""
        fds = [self.listener.fileno(), self.wake_r.fileno(), self.wake_w.fileno()]
        fds += [c.fileno() for c in self.runs.values() if c is not None]
        return fds

    def start_run(self) -> None:
        conn, _ = self.listener.accept()
        try:
            request, fds = _read_request(conn)
        except (OSError, ValueError) as e:
            print(f"warm worker: refused a request: {e}", file=sys.stderr, flush=True)
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(self.cli, request, fds, [*self.inherited(), conn.fileno()])
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass  # the child already did, or already ended
        for fd in fds:
            os.close(fd)
        self.runs[pid] = conn
        try:
            conn.sendall(f"pid {pid}\n".encode())
        except OSError:
            self.hang_up(pid)
            return
        self.selector.register(conn, selectors.EVENT_READ, pid)

    def hang_up(self, pid: int) -> None:
        """The server closed the run's connection: its processes go."""
        conn = self.runs.get(pid)
        if conn is None:
            return
        self.selector.unregister(conn)
        conn.close()
        self.runs[pid] = None
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass

    def reap(self) -> None:
        try:
            while self.wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.runs.pop(pid, None)
            if conn is not None:
                self.selector.unregister(conn)
                try:
                    conn.sendall(f"status {status}\n".encode())
                except OSError:
                    pass
                conn.close()

    def stop(self) -> None:
        for pid in self.runs:
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_w.fileno())
        signal.signal(signal.SIGCHLD, lambda *_: None)
        print("ready", flush=True)
        while True:
            for key, _ in self.selector.select():
                if key.data == "accept":
                    self.start_run()
                elif key.data == "reap":
                    self.reap()
                elif key.data == "stdin":
                    if not os.read(sys.stdin.fileno(), 4096):
                        self.stop()
                        return
                else:
                    self.hang_up(key.data)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(f"usage: python -m {_package()}.warm SOCKET", file=sys.stderr)
        return 2
    try:
        cli = preload()
    except BaseException:  # noqa: BLE001 - any import failure means: no warm worker
        traceback.print_exc()
        return 3
    if threading.active_count() > 1:
        names = ", ".join(t.name for t in threading.enumerate())
        print(
            f"importing the workflow started threads ({names}); forking is unsafe",
            file=sys.stderr,
        )
        return 4
    Worker(cli, argv[0]).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
