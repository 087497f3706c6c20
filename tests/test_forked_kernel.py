"""The test command's forked kernels (tests/_forked_kernel.py) behave as kernels started the ordinary way.

Every notebook test starts its kernels through that kernelspec, so a fork that kept the server's working
directory, environment, random state or numeric kernels, or that a manager could not interrupt or kill,
would change what those tests test. Each test here starts kernels as the tools do (jupyter_client's
``KernelManager`` with the ``python3`` kernelspec) and asks the kernel about itself.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import _forked_kernel
import pytest
from jupyter_client.manager import start_new_kernel

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked kernels are Linux-only")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    server = _forked_kernel.KernelServer(log)
    server.log = log
    yield server
    server.stop()


@pytest.fixture
def kernel(server, monkeypatch, tmp_path):
    """Start kernels as nbval and papermill do, in ``tmp_path``, through ``server``; shut them down after."""
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    started = []

    def start(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), startup_timeout=60)
        started.append((km, kc))
        return km, kc

    yield start
    for km, kc in started:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


def ask(kc, expression, timeout=30):
    """The ``repr`` of ``expression`` evaluated in the kernel."""
    reply = kc.execute_interactive("", user_expressions={"x": expression}, timeout=timeout)
    value = reply["content"]["user_expressions"]["x"]
    assert value["status"] == "ok", value
    return eval(value["data"]["text/plain"])


def test_a_forked_kernel_is_where_and_what_an_ordinary_one_is(server, kernel, tmp_path):
    km, kc = kernel(JPY_SESSION_NAME="asked for")  # a variable the tools set per kernel
    assert ask(kc, "__import__('os').getppid()") == server.process.pid  # forked, not exec'd by the client
    ordinary_km, ordinary = kernel(NNLIB_FRESH_KERNELS="1")
    assert ask(ordinary, "__import__('os').getpid()") == ordinary_km.provisioner.pid
    for client in (kc, ordinary):  # as the notebooks do (it sets a variable or two: compared below)
        assert client.execute_interactive("import torch.optim, torch._dynamo", timeout=60)["content"]["status"] == "ok"
    for question in ("__import__('os').getcwd()", "__import__('sys').path", "__import__('sys').argv[:-1]",  # the last: the connection file
                     "__import__('sys').stdin.isatty()", "type(get_ipython().kernel).__name__",
                     "sorted(__import__('os').environ.keys() - {'NNLIB_FRESH_KERNELS', 'JPY_SESSION_NAME'})",
                     # none of what must be imported inside the kernel came in with the server's imports
                     f"[m for m in {_forked_kernel.NOT_PRELOADED} if m in __import__('sys').modules]",
                     # matplotlib as the notebooks' first cell finds it, preloaded or not
                     "__import__('matplotlib').get_backend()", "__import__('matplotlib').get_configdir()",
                     "__import__('matplotlib').get_cachedir()", "__import__('matplotlib').matplotlib_fname()",
                     "sorted((k, repr(v)) for k, v in __import__('matplotlib').rcParams.items())"):
        assert ask(kc, question) == ask(ordinary, question), question
    assert ask(kc, "__import__('os').getcwd()") == str(tmp_path)
    assert ask(kc, "__import__('os').environ.get('JPY_SESSION_NAME')") == "asked for"
    assert ask(kc, "__import__('os').environ.get('JPY_PARENT_PID')") == str(os.getpid())
    assert ask(kc, "'torch' in __import__('sys').modules") is True  # what the server imported
    assert ask(kc, "'matplotlib.pyplot' in __import__('sys').modules") is True


def test_each_forked_kernel_draws_other_random_numbers(kernel):
    draws = []
    for _ in range(2):
        km, kc = kernel()
        draws.append(ask(kc, "(__import__('random').random(), __import__('numpy').random.random())"))
    assert draws[0][0] != draws[1][0] and draws[0][1] != draws[1][1]


def test_an_interrupt_stops_the_running_cell(kernel):
    km, kc = kernel()
    kc.execute("import time; time.sleep(60)")
    time.sleep(1)
    start = time.monotonic()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "KeyboardInterrupt"
    assert time.monotonic() - start < 10
    assert ask(kc, "1 + 1") == 2  # the kernel lives on


def test_a_killed_manager_process_takes_its_kernel_along(kernel):
    km, kc = kernel()
    pid = ask(kc, "__import__('os').getpid()")
    assert pid != km.provisioner.pid
    km.provisioner.process.send_signal(signal.SIGKILL)  # what a manager's kill does to the process it holds
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or " Z " in Path(f"/proc/{pid}/stat").read_text()


def test_a_shut_down_kernel_ends_its_client(kernel):
    km, kc = kernel()
    pid = ask(kc, "__import__('os').getpid()")
    km.shutdown_kernel()
    assert not km.is_alive()
    assert km.provisioner is None or km.provisioner.process is None or km.provisioner.process.poll() == 0
    assert not Path(f"/proc/{pid}").exists() or " Z " in Path(f"/proc/{pid}/stat").read_text()


def test_another_numeric_environment_starts_the_ordinary_way(server, kernel):
    km, kc = kernel(OMP_NUM_THREADS="1")
    assert ask(kc, "__import__('os').getpid()") == km.provisioner.pid  # the client exec'd the launcher
    assert ask(kc, "__import__('torch').get_num_threads()") == 1
    assert "differs from the server's in ['OMP_NUM_THREADS']" in server.log.read_text()


def test_a_kernel_whose_matplotlib_would_read_another_rc_file_starts_the_ordinary_way(server, kernel, tmp_path):
    (tmp_path / "matplotlibrc").write_text("lines.linewidth: 7\n")  # read from the working directory
    km, kc = kernel()
    assert ask(kc, "__import__('os').getpid()") == km.provisioner.pid
    assert ask(kc, "__import__('matplotlib').rcParams['lines.linewidth']") == 7.0
    assert "matplotlib would read other files there" in server.log.read_text()


def test_a_server_started_with_other_numeric_kernels_gives_its_kernels_those(monkeypatch, tmp_path):
    """The portability stage's server: the libraries read the variables when the server loads them, so its
    kernels pick what a new process with those variables picks, not what this machine picks by itself."""
    settings = {"ATEN_CPU_CAPABILITY": "default", "OPENBLAS_CORETYPE": "Prescott", "OMP_NUM_THREADS": "1"}
    probe = ("(__import__('torch').backends.cpu.get_cpu_capability(), __import__('torch').get_num_threads(),"
             " [i.get('architecture') for i in __import__('threadpoolctl').threadpool_info()"
             " if i['internal_api'] == 'openblas'])")

    def fresh(env):
        # SciPy's own OpenBLAS too: the server preloads it (tests/_forked_kernel.py, PRELOAD)
        out = subprocess.run([sys.executable, "-c", f"import numpy, scipy.linalg; print({probe})"], env=env,
                             check=True, capture_output=True, text=True).stdout
        return eval(out)

    other = _forked_kernel.KernelServer(tmp_path / "server.log", env=dict(os.environ, **settings))
    try:
        for name, value in {**settings, **other.environ()}.items():
            monkeypatch.setenv(name, value)
        km, kc = start_new_kernel(kernel_name="python3", cwd=str(tmp_path), startup_timeout=60)
        try:
            assert ask(kc, "__import__('os').getppid()") == other.process.pid
            picked = ask(kc, probe)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    finally:
        other.stop()
    assert picked == fresh(dict(os.environ))  # os.environ has the settings here
    assert picked[0] == "DEFAULT" and picked[1] == 1
