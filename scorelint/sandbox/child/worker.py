"""The processes of one request: C isolates, I is pid 1 of the new PID namespace, W runs the script.

See the package docstring for what each one does.
"""

from __future__ import annotations

import os
import sys

from .azureml_stand_ins import StandInFinder
from .channel import Channel
from .guard import Guard, _shared_counter
from .isolation import (become_subreaper, die_with_parent, drop_privileges, enter_namespaces, join_cgroup,
                        kill_tree, mount_own_proc, readable_paths, refuse_unix_sockets,
                        restrict_with_landlock, set_limits)
from .loading import LoadError, describe_exception, load, safe_str
from .stand_ins import AbsentModules, stand_in_culprit, upgrade_azureml
from .work import do_swagger, do_try


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1


def run_request(request: dict, result_fd: int) -> None:
    """Role C (see the package docstring): isolate, then run the request in W. Never returns."""
    channel = Channel(result_fd, request["nonce"], request["limits"].get("message_bytes"))
    layers, notes = [], []
    join_cgroup(request["isolation"].get("cgroup"), layers)
    state = enter_namespaces(request, layers, notes)
    set_limits(request, layers)
    request["_pidns"] = state["pid"]
    request["_view"] = state["view"]  # only the needed folders are visible, by any path
    if request["isolation"].get("required") and not (state["pid"] and state["mount"] and state["view"]):
        # --require-isolation: the script is not imported at all with less than the full OS layers.
        channel.send("layers", layers=layers, notes=notes)
        channel.send("unisolated", reason="; ".join(notes) or "namespaces are off")
        os._exit(0)
    if state["pid"]:
        init = os.fork()
        if init == 0:
            _pid_one(request, channel, layers, notes)
        os.close(result_fd)
        os._exit(_exit_code(_wait(init)))
    # No PID namespace: C stays W's parent and a subreaper, and ends whatever W leaves behind.
    if become_subreaper():
        layers.append("subreaper (processes the script leaves behind end with the run)")
    drop_privileges(layers)
    channel.send("layers", layers=layers, notes=notes)
    worker = os.fork()
    if worker == 0:
        die_with_parent()
        _worker(request, channel)
    status = _wait(worker)
    kill_tree(os.getpid(), include_root=False)
    channel.send("exit", status=status)
    os._exit(_exit_code(status))


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return 0
        except InterruptedError:
            continue


def _pid_one(request, channel, layers, notes) -> None:
    die_with_parent()
    mount_own_proc(layers, request.get("_view"))
    drop_privileges(layers)
    channel.send("layers", layers=layers, notes=notes)
    worker = os.fork()
    if worker == 0:
        die_with_parent()
        _worker(request, channel)
    import signal

    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == worker:
            # Everything else in the namespace ends before the true exit status is sent, so nothing the
            # script started can send a message after it.
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:
                pass
            channel.send("exit", status=status)
            os._exit(_exit_code(status))


def _worker(request: dict, channel: Channel) -> None:
    try:
        _prepare_process(request)
        _watch_for_hangs(request)
        added = []
        view = request.get("_view")
        # Without the bind-only view, Landlock keeps reads to the same folders, and seccomp refuses AF_UNIX.
        restrict_with_landlock(request["sandbox_dir"], added, None if view else readable_paths(request), shm=view)
        if not view:
            refuse_unix_sockets(added)
        for layer in added:
            channel.send("layer", layer=layer)
        if hasattr(sys, "addaudithook"):
            # No reference to the hook is kept where the script could reach it (frames, globals).
            sys.addaudithook(Guard(request, channel, _shared_counter()))
            channel.send("layer", layer="audit hooks")
        finder = StandInFinder()
        sys.meta_path.append(finder)
        # Last of all: stands in for packages that no real finder finds, only when the import needs them.
        absent = request["_absent"] = AbsentModules(request["script"], request.get("stand_ins", True))
        sys.meta_path.append(absent)
        if absent.enabled:
            upgrade_azureml(finder)
        sys.path.insert(0, request["app_root"])
        sys.argv = [request["script"]]
        result = {"python": sys.executable, "python_version": sys.version.split()[0],
                  "audit_hooks": hasattr(sys, "addaudithook")}
        if not result["audit_hooks"]:
            channel.send("note", note="Python %s has no audit hooks: only the OS layers guard this run"
                         % result["python_version"])
        try:
            script = load(request, channel)
        except LoadError as exc:
            result["error"] = {"kind": "load", "check": exc.check, "message": exc.message, "line_of": exc.line_of}
        except BaseException as exc:  # noqa: BLE001 - the server catches BaseException at import
            result["error"] = dict(describe_exception(exc, request["script"]), kind="import")
            if absent.used:
                result["error"]["stand_in"] = stand_in_culprit(exc)
        else:
            result["mode"] = script.mode
            if script.driver:
                result["driver_module"] = script.driver
            try:
                if request["mode"] == "swagger":
                    result["swagger"] = do_swagger(request, script, channel)
                else:
                    result["try"] = do_try(request, script, channel)
            except Exception as exc:  # noqa: BLE001
                openapi = sys.modules.get("_scorelint_sandbox_openapi")
                if openapi is not None and isinstance(exc, openapi.SwaggerBuildError):
                    result["error"] = {"kind": "load", "check": "swagger", "message": str(exc)}
                elif request["mode"] == "swagger":  # the server fails the same way preparing its documents
                    described = describe_exception(exc, request["script"])
                    result["error"] = {"kind": "load", "check": "swagger", "line": described["line"],
                                       "traceback": described["traceback"],
                                       "message": "the server fails at start-up while preparing its Swagger "
                                                  "documents: %s: %s" % (described["type"], described["message"])}
                else:
                    result["error"] = dict(describe_exception(exc, request["script"]), kind="sandbox")
        result["stand_ins"] = finder.used
        result["stood_in"] = absent.report()
        channel.send("result", result=result)
    except BaseException as exc:  # noqa: BLE001 - never let the child die silently
        try:
            channel.send("crash", error="%s: %s" % (type(exc).__name__, safe_str(exc)))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001
                pass
        os._exit(0)


def _watch_for_hangs(request) -> None:
    """Shortly before the parent's deadline, write every thread's stack to stack.txt in the sandbox
    folder, so that a hang is reported with the line it was stuck on."""
    try:
        import faulthandler

        timeout = float(request.get("timeout") or 0)
        if timeout > 0.5:
            handle = open(os.path.join(request["sandbox_dir"], "stack.txt"), "w")
            _KEEP.append(handle)
            faulthandler.dump_traceback_later(timeout - 0.3, file=handle)
    except (ImportError, OSError, ValueError, RuntimeError):
        pass


_KEEP = []


def _prepare_process(request) -> None:
    import signal

    if hasattr(signal, "SIGXFSZ"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file is an OSError, not a death
    env = request.get("env")
    if env is not None:  # the warm worker's children: the request's environment, exactly
        os.environ.clear()
        os.environ.update(env)
    os.chdir(request["work_dir"])
    os.umask(0o077)
    sys.dont_write_bytecode = True

