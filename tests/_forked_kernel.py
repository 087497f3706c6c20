"""Kernels for the test command, forked from a Python that has already imported the heavy libraries.

The test command starts about seventy ipykernels (nbval, papermill, nbgrader, the browser test's
JupyterLab), and each spent about 3 s of CPU importing the same libraries before its first cell ran (PyTorch
1.1 s, ``torch._dynamo`` 1.0 s, which ``torch.optim`` imports on its first call, matplotlib 0.6 s: see
:data:`PRELOAD`). Here one *server* per test process imports them once, and each kernel start forks the
server. The kernel itself is unchanged: the child runs ``python -m ipykernel_launcher -f CONNECTION_FILE``
(through :mod:`runpy`) in the launching process's working directory, environment and standard streams, so
every tool still starts, talks to, interrupts and shuts down a real ipykernel through its own kernel manager.

What the fork must not change, and how it does not:

- *Environment read at import.* OpenBLAS, MKL, ATen and OpenMP read their variables when they load, so a
  kernel is forked only when its environment equals the server's, apart from the variables the launching
  tools set per kernel (:data:`PER_KERNEL`, :data:`PER_KERNEL_PREFIXES`). Any other difference starts it
  the ordinary way, unless a server started with that environment is named (the portability stage starts
  one with its numeric kernels).
- *Imports that look at the kernel.* ``ipywidgets`` and matplotlib's inline backend register with the
  running IPython when first imported, and ipykernel reads ``JPY_PARENT_PID`` when imported, so the server
  imports only libraries that do neither (:data:`PRELOAD`) and checks that none of :data:`NOT_PRELOADED`
  came in with them; the notebook imports those in its kernel as before.
- *Files read at import.* matplotlib reads ``MPLBACKEND`` (which ipykernel sets before any cell runs: the
  server imports it with the same value) and an rc file found from the working directory and HOME, and
  chooses its config and cache directories; a kernel for which these would differ starts the ordinary way.
- *Randomness.* Each child reseeds Python's and NumPy's global generators from the OS, as a new process
  would be seeded (the notebooks seed their own).

The kernel manager holds the *client* (this file run with ``-f``): it hands its standard streams to the
server over a Unix socket (SCM_RIGHTS), forwards the signals it receives (an interrupt, a terminate) to the
kernel's process group, and exits with the kernel's status; if the client dies (the manager's kill), the
server kills the kernel. Without a server (``NNLIB_KERNEL_SERVER`` unset, ``NNLIB_FRESH_KERNELS=1``, not
Linux) the client execs the ordinary launcher, so the kernelspec is always safe to use.
"""
import array
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

#: imported by the server before it forks, in this order. PyTorch (1.1 s), and ``torch._dynamo`` (1.0 s),
#: imported by ``torch.optim`` on first use; the kernel's own machinery short of ipykernel (IPython, ZeroMQ,
#: tornado, traitlets, jupyter_client: 0.15 s); matplotlib's pyplot and Agg canvas (0.6 s, which every
#: notebook's ``%matplotlib inline`` imports), imported with MPLBACKEND as in a kernel (:func:`serve`); the parts of
#: SciPy that scikit-learn imports (1 s, in the notebooks that use scikit-learn). Not scikit-learn itself: it
#: imports pandas, which decides on import how many columns a table shows by asking whether it runs in a kernel.
PRELOAD = ("numpy", "torch", "torch._dynamo",
           "zmq", "tornado.ioloop", "traitlets", "jupyter_client", "IPython", "comm",
           "matplotlib.pyplot", "matplotlib.backends.backend_agg",
           "scipy.stats", "scipy.sparse", "scipy.sparse.linalg", "scipy.sparse.csgraph", "scipy.optimize",
           "scipy.special", "scipy.linalg", "scipy.spatial", "scipy.interpolate")
#: modules that must be imported inside the kernel: they look at the running IPython when imported (pandas
#: shows 20 columns in a kernel and fits the terminal elsewhere; ipywidgets, tqdm.auto and the inline backend
#: register with it or ask it what they run in) or read the kernel's environment (ipykernel's
#: ``parent_handle`` is JPY_PARENT_PID)
NOT_PRELOADED = ("ipykernel", "ipywidgets", "pandas", "sklearn", "matplotlib_inline", "tqdm.auto", "tqdm.notebook",
                 "nnlib")
#: what ipykernel sets before any cell runs, unless the kernel's environment sets it (kernelapp.init_gui_pylab):
#: matplotlib reads it when imported, so the server imports matplotlib with it set the same way
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: environment variables the launching tools set per kernel or per test; a difference in any other starts
#: the kernel the ordinary way. HOME: of what is preloaded, only ``site.USER_SITE`` (which the child recomputes)
#: and matplotlib (whose files :func:`_refusal` compares) keep a path under it.
#: KMP_DUPLICATE_LIB_OK, KMP_INIT_AT_FORK and TORCHINDUCTOR_CACHE_DIR are set (if unset) by scikit-learn's and
#: PyTorch's imports, in the test process as in a kernel: the child gets the server's (:func:`serve`).
PER_KERNEL = ("IPYTHONDIR", "HOME", "PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES", "KMP_DUPLICATE_LIB_OK",
              "KMP_INIT_AT_FORK", "TORCHINDUCTOR_CACHE_DIR")
#: nbgrader sets NBGRADER_EXECUTION in each kernel it runs (the course's checks read it when they run).
PER_KERNEL_PREFIXES = ("JPY_", "PYTEST_", "PYDEVD_", "JUPYTER_", "NNLIB_KERNEL_", "NBGRADER_")
ENV_SOCKET = "NNLIB_KERNEL_SERVER"


def _comparable(env):
    return {k: v for k, v in env.items() if k not in PER_KERNEL and not k.startswith(PER_KERNEL_PREFIXES)}


def _send(sock, obj, fds=()):
    data = json.dumps(obj).encode()
    sock.sendmsg([struct.pack("!I", len(data)) + data],
                 [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else [])


def _recv(sock, maxfds=0):
    fds = array.array("i")
    data, ancdata, _, _ = sock.recvmsg(65536, socket.CMSG_LEN(maxfds * fds.itemsize) if maxfds else 0)
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
    if not data:
        return None, list(fds)
    (size,) = struct.unpack("!I", data[:4])
    data = data[4:]
    while len(data) < size:
        more = sock.recv(size - len(data))
        if not more:
            raise ConnectionError("the kernel server closed the connection mid-message")
        data += more
    return json.loads(data), list(fds)


# ---------------------------------------------------------------------------------------------- client
def _ordinary(argv):
    """Start the kernel as the stock kernelspec does: ``python -m ipykernel_launcher ARGS``."""
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *argv])


def client(argv):
    path = os.environ.get(ENV_SOCKET)
    if not path or os.environ.get("NNLIB_FRESH_KERNELS") == "1" or not sys.platform.startswith("linux"):
        _ordinary(argv)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        _send(sock, {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}, fds=(0, 1, 2))
        reply, _ = _recv(sock)
    except OSError:
        reply = None
    if not reply or "pid" not in reply:
        sock.close()
        _ordinary(argv)
    pid = reply["pid"]

    def forward(signum, frame):
        try:
            os.killpg(pid, signum)  # the kernel leads its own process group, as under the ordinary launcher
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2):
        signal.signal(signum, forward)
    while True:
        try:
            message, _ = _recv(sock)
            break
        except InterruptedError:
            continue
    status = (message or {}).get("status", 1)
    if status < 0:  # killed by a signal: die of the same one, as the kernel did
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    sys.exit(status)


# ---------------------------------------------------------------------------------------------- server
def _child(conn_fds, request, fds, set_by_imports):
    """In the forked child: become the kernel the client would have exec'd."""
    import importlib.util
    import random
    import runpy
    import site

    import numpy

    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.setsid()
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    for fd in set(fds) | set(conn_fds):
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    for name, value in set_by_imports.items():
        os.environ.setdefault(name, value)
    random.seed()
    numpy.random.seed()
    site.USER_BASE = site.USER_SITE = None  # computed from HOME when first asked for
    launcher = importlib.util.find_spec("ipykernel_launcher").origin
    sys.argv = [launcher, *request["argv"]]
    sys.path[0] = request["cwd"]  # what `python -m` puts first
    try:
        runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
        code = 0
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _matplotlib_files(env, cwd):
    """Where matplotlib, imported with environment ``env`` in ``cwd``, would keep its configuration and cache,
    and the rc file it would read (``matplotlib.matplotlib_fname()``'s search order, on Linux)."""
    home = env.get("HOME", "")
    configdir = env.get("MPLCONFIGDIR") or os.path.join(env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
                                                         "matplotlib")
    cachedir = env.get("MPLCONFIGDIR") or os.path.join(env.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"),
                                                        "matplotlib")
    candidates = [os.path.join(cwd, "matplotlibrc")]
    if "MATPLOTLIBRC" in env:
        candidates += [env["MATPLOTLIBRC"], os.path.join(env["MATPLOTLIBRC"], "matplotlibrc")]
    candidates.append(os.path.join(configdir, "matplotlibrc"))
    rc = next((c for c in candidates if os.path.exists(c) and not os.path.isdir(c)), "(matplotlib's own)")
    return {"config": os.path.realpath(configdir), "cache": os.path.realpath(cachedir), "rc file": rc}


def _refusal(request, fds, own_env, own_matplotlib):
    """Why a kernel cannot be forked from this server ('' when it can)."""
    if not request or len(fds) != 3:
        return f"a malformed request ({len(fds)} file descriptors)"
    env = _comparable(request["env"])
    differ = sorted(k for k in set(env) | set(own_env) if env.get(k) != own_env.get(k))
    if differ:
        return f"its environment differs from the server's in {differ}"
    # matplotlib read its rc file and chose these directories when the server imported it (HOME may differ)
    theirs = _matplotlib_files(request["env"], request["cwd"])
    if theirs != own_matplotlib:
        return f"matplotlib would read other files there: {theirs}, the server's {own_matplotlib}"
    return ""


def serve(path):
    """Import :data:`PRELOAD`, then fork a kernel for each client that connects to the socket at ``path``."""
    import importlib
    import selectors

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)  # clients that come while the imports run wait in the backlog
    own_env = _comparable(os.environ)  # before the imports, which set a few variables of their own
    before = dict(os.environ)
    # matplotlib reads MPLBACKEND when imported: set as ipykernel sets it before any cell, unless it is set
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    for name in PRELOAD:
        importlib.import_module(name)
    if "MPLBACKEND" not in before:
        del os.environ["MPLBACKEND"]  # the kernel's ipykernel sets it again
    import matplotlib

    own_matplotlib = _matplotlib_files(os.environ, os.getcwd())
    loaded = {"config": os.path.realpath(matplotlib.get_configdir()),
              "cache": os.path.realpath(matplotlib.get_cachedir()),
              "rc file": os.path.abspath(matplotlib.matplotlib_fname())}
    if loaded["rc file"] == os.path.join(matplotlib.get_data_path(), "matplotlibrc"):
        loaded["rc file"] = "(matplotlib's own)"
    if loaded != own_matplotlib:  # a directory it could not write, say: then it chose a temporary one
        raise RuntimeError(f"matplotlib chose {loaded}, not {own_matplotlib}: kernels could not be compared")
    # PyTorch sets TORCHINDUCTOR_CACHE_DIR: a kernel that imported it itself would have it too
    set_by_imports = {k: v for k, v in os.environ.items() if before.get(k) != v}
    early = [name for name in NOT_PRELOADED if name in sys.modules]
    if early:
        raise RuntimeError(f"preloading imported {early}, which must be imported inside the kernel")
    kernels = {}  # pid -> connection to its client
    hung_up = set()  # connections whose client died before its kernel
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "accept")
    selector.register(wake_r, selectors.EVENT_READ, "reap")
    try:
        while True:
            for key, _ in selector.select():
                if key.data == "accept":
                    conn, _ = listener.accept()
                    try:
                        request, fds = _recv(conn, maxfds=3)
                    except (OSError, ValueError):
                        conn.close()
                        continue
                    refusal = _refusal(request, fds, own_env, own_matplotlib)
                    if refusal:
                        for fd in fds:
                            os.close(fd)
                        print(f"started the ordinary way in {request and request.get('cwd')}: {refusal}",
                              file=sys.stderr, flush=True)
                        _send(conn, {"fork": False, "why": refusal})  # the client starts it the ordinary way
                        conn.close()
                        continue
                    sys.stdout.flush()
                    sys.stderr.flush()
                    pid = os.fork()
                    if pid == 0:
                        _child([listener.fileno(), wake_r, wake_w, selector.fileno(), conn.fileno()]
                               + [c.fileno() for c in kernels.values()], request, fds, set_by_imports)
                    for fd in fds:
                        os.close(fd)
                    print(f"forked kernel {pid} in {request['cwd']}", file=sys.stderr, flush=True)
                    _send(conn, {"pid": pid})
                    kernels[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
                elif key.data == "reap":
                    os.read(wake_r, 4096)
                    while kernels:
                        pid, status = os.waitpid(-1, os.WNOHANG)
                        if not pid:
                            break
                        conn = kernels.pop(pid, None)
                        if conn is not None:
                            if conn in hung_up:
                                hung_up.discard(conn)
                            else:
                                selector.unregister(conn)
                            try:
                                _send(conn, {"status": os.waitstatus_to_exitcode(status)})
                            except OSError:
                                pass
                            conn.close()
                else:  # the client hung up while its kernel runs: it was killed, so kill the kernel
                    if not key.fileobj.recv(1):
                        selector.unregister(key.fileobj)
                        hung_up.add(key.fileobj)
                        try:
                            os.killpg(key.data, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
    finally:
        for pid in kernels:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# ------------------------------------------------------------------------------------ for the test command
class KernelServer:
    """A server process (:func:`serve`) with the environment ``env`` (default: this process's), and the
    ``python3`` kernelspec that reaches it: put :attr:`jupyter_path` first on ``JUPYTER_PATH`` and
    :attr:`socket` in ``NNLIB_KERNEL_SERVER`` (:meth:`environ`). It logs each kernel it forks or declines,
    and why, to ``log``."""

    def __init__(self, log, env=None):
        self.jupyter_path = tempfile.mkdtemp(prefix="nnlib-kernels-")
        self.socket = os.path.join(self.jupyter_path, "server.sock")
        write_kernelspec(self.jupyter_path)
        with open(log, "ab") as out:
            self.process = subprocess.Popen([sys.executable, __file__, "--serve", self.socket], env=env,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        # the server listens before it imports (kernels asked for meanwhile wait for the imports, not for
        # an ordinary start); a kernel asked for before it listens would start the ordinary way
        deadline = time.monotonic() + 30
        while not os.path.exists(self.socket) and self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)

    def environ(self):
        """The variables that send a kernel start to this server."""
        return {"JUPYTER_PATH": os.pathsep.join(filter(None, [self.jupyter_path, os.environ.get("JUPYTER_PATH")])),
                ENV_SOCKET: self.socket}

    def stop(self):
        self.process.terminate()  # kills the kernels still running, as a dead manager's would be
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.jupyter_path, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def write_kernelspec(jupyter_path):
    """The stock ``python3`` kernelspec of this environment, launched through this file."""
    import ipykernel.kernelspec

    spec = ipykernel.kernelspec.get_kernel_dict()
    spec["argv"] = [sys.executable, os.path.abspath(__file__), "-f", "{connection_file}"]
    directory = os.path.join(jupyter_path, "kernels", "python3")
    shutil.copytree(ipykernel.kernelspec.RESOURCES, directory, dirs_exist_ok=True)
    with open(os.path.join(directory, "kernel.json"), "w") as out:
        json.dump(spec, out, indent=1)
    return directory


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        serve(sys.argv[2])
    else:
        client(sys.argv[1:])
