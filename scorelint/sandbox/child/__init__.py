"""scorelint's sandbox child: imports an entry script the way the inference server does, in isolation.

This package is a program, not part of scorelint's import graph: the parent runs `../_child.py` by path,
as `PYTHON -I -B _child.py RESULT_FD REQUEST_FILE` (one request) or `PYTHON -I -B _child.py --serve
SOCKET_FD` (the warm worker), under the interpreter the user chose; `_child.py` loads this folder as the
package `_scorelint_child` (a name no user module can shadow). It therefore uses only the standard library
and Python 3.8+ syntax. The only other file it loads (by path) is ../openapi.py.

Processes, for one request (Linux; each layer is skipped where the machine refuses it, and the
result says which layers were in force):

    C  the process the parent started (or the warm worker forked): joins a pids cgroup, leaves the
       network, mount, IPC and PID namespaces (unshare), pivots into a view of only the folders the run
       needs (read-only but the sandbox's own folder), sets resource limits, then forks:
    I  pid 1 of the new PID namespace: mounts a /proc of that namespace, drops every capability,
       forks W and reaps orphans; when W ends, I ends, and the kernel kills whatever is left in the
       namespace (threads, daemons, fork bombs). I and W die with their parent (PR_SET_PDEATHSIG).
    W  installs the audit hook (no writes outside the sandbox folder, no network, no signals to others,
       a bounded number of processes, no raised limits), stands in for absent azureml modules, imports
       the script as the server does and does the work.

Messages go to the parent on RESULT_FD, one JSON object per line, each carrying the request's nonce,
so nothing the script prints can be mistaken for a result: {"t": "phase"|"layers"|"layer"|"note"|
"refused"|"result"|"exit"|"crash", ...}.

The modules, by job:
    channel.py            the result channel to the parent
    isolation.py          the OS layers: namespaces, the view of the needed folders, capabilities, limits,
                          Landlock and seccomp (C, I and W)
    guard.py              the audit hook (W)
    azureml_stand_ins.py  stand-ins for azureml modules the environment lacks (W)
    loading.py            importing the script and the server's checks on it: the one place user code is
                          imported (`load`)
    work.py               what a request asks for: the Swagger documents, or init() and run()
    worker.py             the processes C, I and W of one request
    entry.py              the entry points: one request, or the warm worker that forks one child per request
"""

import os
import sys

SANDBOX_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # scorelint/sandbox
IS_LINUX = sys.platform.startswith("linux")
