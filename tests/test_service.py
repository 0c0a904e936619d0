"""`python -m server service install | uninstall | status` (server/service.py).

The systemd unit is parsed and verified (`systemd-analyze verify --user`), its command line is run
for real and answers; install/uninstall/status go round trip in a temporary HOME with a recording
`systemctl` first on PATH, with the machine's real `systemctl` and no manager in reach (the honest
"written and enabled, not started" path), and for real with a real user manager (this session's,
or a private `systemd --user` in a mount namespace of its own: started, killed and restarted by
systemd, reinstalled unchanged, removed); the LaunchAgent is
parsed with plistlib and the Windows task with ElementTree, each also round trip with a recording
`launchctl` / `schtasks`."""
from __future__ import annotations

import configparser
import getpass
import json
import os
import plistlib
import shlex
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from server import __main__ as cli
from server import service

from conftest import REPO, free_port

RECORDER = r'''#!{python}
"""A stand-in for {tool}: appends its arguments to $RECORD as one JSON line, acts a little."""
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["RECORD"], "a") as f:
    f.write(json.dumps(["{tool}", *args]) + "\n")
{body}
'''

SYSTEMCTL = '''
units = Path(os.environ["HOME"]) / ".config/systemd/user"
wants = units / "default.target.wants"
verb, unit = args[1], args[-1]
if verb == "enable":
    wants.mkdir(parents=True, exist_ok=True)
    (wants / unit).unlink(missing_ok=True)
    (wants / unit).symlink_to(units / unit)
elif verb == "disable":
    (wants / unit).unlink(missing_ok=True)
elif verb == "is-enabled":
    print("enabled" if (wants / unit).is_symlink() else "disabled")
    sys.exit(0 if (wants / unit).is_symlink() else 1)
elif verb == "is-active":
    print("active")
'''

LAUNCHCTL = '''
loaded = Path(os.environ["RECORD"] + ".loaded")
if args[0] == "print":
    if not loaded.exists():
        print("Could not find service", file=sys.stderr); sys.exit(113)
    print("state = running")
elif args[0] == "bootstrap":
    loaded.touch()
elif args[0] == "bootout":
    if not loaded.exists():
        sys.exit(3)
    loaded.unlink()
'''

SCHTASKS = '''
task = Path(os.environ["RECORD"] + ".task")
verb = args[0]
if verb == "/Create":
    xml = Path(args[args.index("/XML") + 1]).read_bytes()
    assert xml.startswith(b"\\xff\\xfe"), "schtasks wants UTF-16 with its BOM"
    task.write_bytes(xml)
elif verb == "/Query":
    if not task.exists():
        print("ERROR: The system cannot find the file specified.", file=sys.stderr); sys.exit(1)
    print("TaskName: \\\\Alignment Lens\\nStatus:   Running")
elif verb == "/Delete":
    if not task.exists():
        sys.exit(1)
    task.unlink()
'''


def fake_tool(bindir: Path, tool: str, body: str) -> None:
    path = bindir / tool
    path.write_text(RECORDER.format(python=sys.executable, tool=tool, body=body))
    path.chmod(0o755)


class Home(type(Path())):
    """The temporary HOME, with `bindir` (fake tools, first on PATH) and `record` (their calls)."""


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """A temporary HOME (no XDG overrides), a folder for fake tools first on PATH, a record."""
    home = Home(tmp_path / "home")
    home.mkdir()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("LOCALAPPDATA", str(home / "AppData" / "Local"))
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RECORD", str(tmp_path / "record.jsonl"))
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    home.bindir = bindir
    home.record = tmp_path / "record.jsonl"
    return home


def recorded(home) -> list[list[str]]:
    if not home.record.exists():
        return []
    lines = [json.loads(line) for line in home.record.read_text().splitlines()]
    home.record.unlink()
    return lines


def all_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def cli_run(capsys, *argv) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def parse_unit(text: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str
    unit.read_string(text)
    return unit


def unit_word(word: str) -> str:
    return word.replace("%%", "%").replace("$$", "$")


def exec_start(unit: configparser.ConfigParser) -> list[str]:
    return [unit_word(w) for w in shlex.split(unit["Service"]["ExecStart"])]


def verify_unit(path: Path, tmp_path: Path) -> None:
    """systemd's own parser, when the machine has it: no warning at all may come out."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    result = subprocess.run([analyze, "verify", "--user", str(path)], capture_output=True, text=True,
                            env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)), timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "" and result.stderr.strip() == "", \
        result.stdout + result.stderr


def wait_for(predicate, timeout: float = 90.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


# --------------------------------------------------------------------------------- the unit


def test_systemd_unit_parses_and_verifies(home, tmp_path):
    spec = service.make_spec(8766, platform="linux")
    unit = parse_unit(service.systemd_unit(spec))
    s = unit["Service"]
    assert exec_start(unit) == [os.path.abspath(sys.executable), "-X",
                                f"pycache_prefix={home}/.cache/alignment-lens/pycache", "-u", "-m", "server",
                                "--host", "127.0.0.1", "--port", "8766"]
    assert s["WorkingDirectory"] == str(REPO)
    assert s["Restart"] == "on-failure" and int(s["RestartSec"]) > 0
    log = home / ".local" / "state" / "alignment-lens" / "server.log"
    assert s["StandardOutput"] == s["StandardError"] == f"append:{log}"
    assert unit["Install"]["WantedBy"] == "default.target"
    path = tmp_path / "alignment-lens.service"
    path.write_text(service.systemd_unit(spec))
    verify_unit(path, tmp_path)


def test_systemd_unit_quotes_awkward_paths(home, tmp_path):
    """A checkout and interpreter under folders with spaces, quotes, % and $ survive the unit file."""
    with pytest.raises(ValueError, match="double quote"):
        service.systemd_unit(service.Spec(python='/opt/a"b/python', workdir="/w", port=1, log=Path("/l"),
                                          pycache=Path("/c")))
    odd = tmp_path / 'my "odd" 100% $HOME dir'
    odd.mkdir()
    bindir = tmp_path / "py 100% $USER"  # systemd refuses a double quote in the executable's own path
    bindir.mkdir()
    python = bindir / "py thon"
    python.write_text("#!/bin/sh\n")
    python.chmod(0o755)
    spec = service.Spec(python=str(python), workdir=str(odd), port=8767, log=odd / "logs" / "server.log",
                        pycache=odd / "cache")
    unit = parse_unit(service.systemd_unit(spec))
    executable, *arguments = shlex.split(unit["Service"]["ExecStart"])
    assert executable.replace("%%", "%") == str(python)
    assert [unit_word(a) for a in arguments] == spec.arguments()
    assert unit_word(unit["Service"]["WorkingDirectory"]) == str(odd)
    assert unit_word(unit["Service"]["StandardOutput"]) == f"append:{odd / 'logs' / 'server.log'}"
    path = tmp_path / "alignment-lens.service"
    path.write_text(service.systemd_unit(spec))
    verify_unit(path, tmp_path)


def test_the_units_command_serves_and_status_sees_it(home, capsys):
    """Run the unit's ExecStart as systemd would (its working directory, output appended to its
    log): the API answers on the port, `status` says running (exit 0), bytecode lands in the cache."""
    fake_tool(home.bindir, "systemctl", SYSTEMCTL)
    port = free_port()
    assert cli_run(capsys, "service", "install", "--port", str(port))[0] == 0
    unit = parse_unit((home / ".config/systemd/user/alignment-lens.service").read_text())
    log = Path(unit["Service"]["StandardOutput"].removeprefix("append:"))
    with open(log, "ab") as out:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        proc = subprocess.Popen(exec_start(unit), cwd=unit["Service"]["WorkingDirectory"], stdout=out,
                                stderr=subprocess.STDOUT, env=env)
    try:
        wait_for(lambda: service.answers(port), what="the unit's server to answer")
        code, out = cli_run(capsys, "service", "status")
        assert code == 0, out
        assert f"serves: http://127.0.0.1:{port}" in out and "running: yes" in out
        assert f"log: {log}" in out and f"tail -f {log}" in out
        assert "listening on http://127.0.0.1:" in wait_for(lambda: log.read_text(), what="log text")
        assert list((home / ".cache/alignment-lens/pycache").rglob("*.pyc"))
    finally:
        proc.terminate()
        proc.wait(30)
    assert cli_run(capsys, "service", "uninstall")[0] == 0


# ------------------------------------------------------------------- round trips, recorded


def test_systemd_round_trip_with_a_recording_systemctl(home, capsys):
    fake_tool(home.bindir, "systemctl", SYSTEMCTL)
    unit = "alignment-lens.service"
    unit_path = home / ".config/systemd/user" / unit
    code, out = cli_run(capsys, "--port", "8790", "service", "install")
    assert code == 0, out
    assert f"wrote: {unit_path}" in out and "started: http://127.0.0.1:8790" in out
    assert recorded(home) == [["systemctl", "--user", "enable", unit], ["systemctl", "--user", "daemon-reload"],
                              ["systemctl", "--user", "restart", unit]]
    first = all_files(home)
    assert first == {".config/systemd/user/alignment-lens.service",
                     ".config/systemd/user/default.target.wants/alignment-lens.service"}
    assert (home / ".local/state/alignment-lens").is_dir()  # systemd makes the log file, not its folder

    # idempotent: the same unit, nothing rewritten, started (a no-op when running), not restarted
    mtime = unit_path.stat().st_mtime_ns
    code, out = cli_run(capsys, "--port", "8790", "service", "install")
    assert code == 0 and f"unchanged: {unit_path}" in out
    assert unit_path.stat().st_mtime_ns == mtime and all_files(home) == first
    assert recorded(home)[-1] == ["systemctl", "--user", "start", unit]
    # another port rewrites it and restarts
    code, out = cli_run(capsys, "service", "install", "--port", "8791")
    assert code == 0 and "--port 8791" in unit_path.read_text()
    assert recorded(home)[-1] == ["systemctl", "--user", "restart", unit]

    code, out = cli_run(capsys, "service", "status")
    assert code == service.NOT_RUNNING, out  # the manager says active, but nothing answers on 8791
    assert "(installed)" in out and "start at login: enabled" in out and "service manager says: active" in out
    assert "serves: http://127.0.0.1:8791" in out and "running: no" in out
    log = home / ".local/state/alignment-lens/server.log"
    assert f"log: {log}" in out and f"read the log: tail -f {log}" in out
    assert recorded(home) == [["systemctl", "--user", "is-enabled", unit], ["systemctl", "--user", "is-active", unit]]

    code, out = cli_run(capsys, "service", "uninstall")
    assert code == 0, out
    assert recorded(home) == [["systemctl", "--user", "disable", "--now", unit],
                              ["systemctl", "--user", "daemon-reload"]]
    assert all_files(home) == set()
    assert not (home / ".local/state/alignment-lens").exists()
    code, out = cli_run(capsys, "service", "status")
    assert code == service.NOT_RUNNING and "(not installed)" in out and "service install" in out


def test_without_systemctl_install_writes_the_unit_and_says_how_to_start(home, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(home.bindir))  # nothing in it
    code, out = cli_run(capsys, "service", "install", "--port", "8792")
    assert code == 1, out  # nothing will start it: not a success
    assert (home / ".config/systemd/user/alignment-lens.service").is_file()
    assert "systemctl was not found" in out
    assert f"cd {REPO} && {shlex.join(service.make_spec(8792, 'linux').command())}" in out
    code, out = cli_run(capsys, "service", "uninstall")
    assert code == 0 and all_files(home) == set()


def test_the_loopback_is_not_negotiable(home, capsys):
    fake_tool(home.bindir, "systemctl", SYSTEMCTL)
    assert cli.main(["--host", "0.0.0.0", "service", "install"]) == 2
    assert "127.0.0.1" in capsys.readouterr().err
    assert all_files(home) == set() and recorded(home) == []


def test_install_without_a_reachable_user_manager(home, capsys, tmp_path, monkeypatch):
    """The machine's real `systemctl`, with no user manager within reach (an empty runtime folder,
    no session bus: a container, `su` without a login): install writes and enables the unit, exits 0
    and says how to start it; status says not running (3); uninstall removes it all."""
    systemctl = shutil.which("systemctl")
    assert systemctl, "systemctl is missing (Debian's systemd package; tests/run.sh installs it)"
    runtime = tmp_path / "empty-runtime"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    code, out = cli_run(capsys, "service", "install", "--port", "8793")
    assert code == 0, out
    assert "enabled: starts at login" in out and "not started now: no systemd user manager answers" in out
    assert f"run it by hand: cd {REPO} && " in out
    link = home / ".config/systemd/user/default.target.wants/alignment-lens.service"
    assert link.is_symlink() and link.resolve() == home / ".config/systemd/user/alignment-lens.service"
    verify_unit(home / ".config/systemd/user/alignment-lens.service", tmp_path)
    code, out = cli_run(capsys, "service", "status")
    assert code == service.NOT_RUNNING and "start at login: enabled" in out and "running: no" in out
    assert "service manager: no systemd user manager answers" in out
    code, out = cli_run(capsys, "service", "uninstall")
    assert code == 0, out
    assert all_files(home) == set()


class PrivateUserManager:
    """A real `systemd --user` for a temporary HOME, in a mount namespace of its own where
    /run/systemd/system exists (systemd runs as a user manager only on a systemd-booted machine;
    a container's PID 1 is not systemd). Commands reach it through `nsenter` into that namespace.
    Needs root (unshare -m); nothing outside the namespace and the temporary folders changes."""

    SYSTEMD = next((p for p in ("/lib/systemd/systemd", "/usr/lib/systemd/systemd") if os.path.exists(p)), None)

    def __init__(self, home: Path, runtime: Path):
        self.env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(runtime))
        for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "DBUS_SESSION_BUS_ADDRESS",
                    "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"):
            self.env.pop(var, None)
        self.runtime = runtime
        self.proc = None

    @classmethod
    def possible(cls) -> bool:
        return (os.geteuid() == 0 and cls.SYSTEMD is not None and os.path.isdir("/run/systemd")
                and shutil.which("unshare") is not None and shutil.which("nsenter") is not None)

    def start(self) -> "PrivateUserManager":
        script = ("mount -t tmpfs alignment-lens-test /run/systemd && mkdir /run/systemd/system && "
                  f"exec {shlex.quote(self.SYSTEMD)} --user")
        self.log = open(self.runtime.parent / "user-manager.log", "wb")
        self.proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script], env=self.env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"systemd --user exited: {(self.runtime.parent / 'user-manager.log').read_text()}")
            state = self.run(["systemctl", "--user", "is-system-running"]).stdout.strip()
            return state in ("running", "degraded")
        wait_for(ready, timeout=60, what="the private user manager to run")
        return self

    def run(self, cmd: list[str], **kw) -> subprocess.CompletedProcess:
        return subprocess.run(["nsenter", "-t", str(self.proc.pid), "-m", f"--wd={REPO}", "--", *cmd], env=self.env,
                              capture_output=True, text=True, timeout=120, **kw)

    def main_pid(self, unit: str) -> int:
        return int(self.run(["systemctl", "--user", "show", "-p", "MainPID", "--value", unit]).stdout.strip() or 0)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.run(["systemctl", "--user", "exit"])  # stops every unit, then the manager exits
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def test_systemd_for_real(home, tmp_path):
    """A real user manager: this session's when it has one (the service is then installed under a
    test name in the real user's unit folder), else a private one (PrivateUserManager). Install
    starts it and it answers; status says active and running; a killed server is restarted by
    systemd; install again changes nothing; uninstall stops it and removes what install wrote.
    On a machine with neither, the no-manager test above is what runs."""
    probe = subprocess.run(["systemctl", "--user", "is-system-running"], capture_output=True, text=True, timeout=30)
    if probe.stdout.strip() in ("running", "degraded", "starting", "initializing"):
        os.environ.pop("HOME")  # the session's manager reads the real user's folders
        name = f"alignment-lens-test-{os.getpid()}"
        port = free_port()
        spec = service.make_spec(port, "linux", name=name)
        try:
            outcome = service.systemd_install(spec)
            assert outcome.code == 0, outcome.lines
            wait_for(lambda: service.answers(port), what="the real user service to answer")
            outcome = service.systemd_status(name)
            assert outcome.code == 0 and "service manager says: active" in outcome.lines, outcome.lines
        finally:
            outcome = service.systemd_uninstall(name)
            shutil.rmtree(spec.log.parent, ignore_errors=True)  # the log uninstall keeps
        assert outcome.code == 0, outcome.lines
        assert not service.systemd_paths(name)["unit"].exists()
        assert not service.answers(port, timeout=3)
        return
    assert PrivateUserManager.possible(), \
        "no user manager in this session and none can be started here (needs root for unshare -m)"
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    manager = PrivateUserManager(home, runtime).start()
    unit, port, pids = "alignment-lens.service", free_port(), []
    cli_cmd = [sys.executable, "-X", f"pycache_prefix={tmp_path / 'pycache'}", "-m", "server", "service"]
    try:
        done = manager.run([*cli_cmd, "install", "--port", str(port)])
        assert done.returncode == 0 and f"started: http://127.0.0.1:{port}" in done.stdout, done.stdout + done.stderr
        wait_for(lambda: service.answers(port), what="the service to answer")
        pids.append(manager.main_pid(unit))
        status = manager.run([*cli_cmd, "status"])
        assert status.returncode == 0, status.stdout
        assert "service manager says: active" in status.stdout and "running: yes, it answers" in status.stdout
        assert "start at login: enabled" in status.stdout
        log = home / ".local/state/alignment-lens/server.log"
        assert f"tail -f {log}" in status.stdout
        assert f"listening on http://127.0.0.1:{port}" in log.read_text()

        # restart on failure: the server killed, systemd starts it again after RestartSec
        os.kill(pids[0], 9)
        wait_for(lambda: manager.main_pid(unit) not in (0, pids[0]) and service.answers(port),
                 what="systemd to restart the killed server")
        pids.append(manager.main_pid(unit))

        # idempotent: the same definition, the same running server
        again = manager.run([*cli_cmd, "install", "--port", str(port)])
        assert again.returncode == 0 and "unchanged:" in again.stdout, again.stdout + again.stderr
        assert manager.main_pid(unit) == pids[1]

        gone = manager.run([*cli_cmd, "uninstall"])
        assert gone.returncode == 0, gone.stdout + gone.stderr
        assert not service.answers(port, timeout=3) and not pid_alive(pids[1])
        assert all_files(home) == {".local/state/alignment-lens/server.log"}  # the log is kept
        assert manager.run(["systemctl", "--user", "is-enabled", unit]).stdout.strip() in ("", "not-found")
    finally:
        manager.stop()
        for pid in pids:  # never leave a server of ours behind
            if pid and pid_alive(pid):
                os.kill(pid, 9)


# --------------------------------------------------------------------------------- macOS


def test_launchagent_plist(home):
    spec = service.make_spec(8770, platform="darwin")
    plist = plistlib.loads(service.launchd_plist(spec))
    assert plist["Label"] == service.LABEL
    assert plist["ProgramArguments"] == [os.path.abspath(sys.executable), "-X",
                                         f"pycache_prefix={home}/Library/Caches/alignment-lens/pycache", "-u",
                                         "-m", "server", "--host", "127.0.0.1", "--port", "8770"]
    assert plist["WorkingDirectory"] == str(REPO)
    assert plist["RunAtLoad"] is True
    assert plist["KeepAlive"] == {"SuccessfulExit": False} and plist["ThrottleInterval"] > 0
    log = str(home / "Library/Logs/alignment-lens/server.log")
    assert plist["StandardOutPath"] == plist["StandardErrorPath"] == log


def test_launchagent_round_trip_with_a_recording_launchctl(home, capsys):
    fake_tool(home.bindir, "launchctl", LAUNCHCTL)
    target = f"gui/{os.getuid()}"
    plist_path = home / "Library/LaunchAgents" / f"{service.LABEL}.plist"
    outcome = service.launchd_install(service.make_spec(8771, "darwin"))
    assert outcome.code == 0, outcome.lines
    assert recorded(home) == [["launchctl", "print", f"{target}/{service.LABEL}"],
                              ["launchctl", "bootstrap", target, str(plist_path)]]
    assert all_files(home) == {f"Library/LaunchAgents/{service.LABEL}.plist"}
    outcome = service.launchd_install(service.make_spec(8771, "darwin"))  # idempotent
    assert outcome.code == 0 and recorded(home) == [["launchctl", "print", f"{target}/{service.LABEL}"]]
    outcome = service.launchd_install(service.make_spec(8772, "darwin"))  # a change reloads it
    assert recorded(home)[1:] == [["launchctl", "bootout", f"{target}/{service.LABEL}"],
                                  ["launchctl", "bootstrap", target, str(plist_path)]]
    outcome = service.launchd_status()
    assert outcome.code == service.NOT_RUNNING
    assert "service manager says: loaded, running" in outcome.lines
    assert "serves: http://127.0.0.1:8772" in outcome.lines
    assert f"log: {home}/Library/Logs/alignment-lens/server.log" in outcome.lines
    recorded(home)
    outcome = service.launchd_uninstall()
    assert outcome.code == 0 and recorded(home) == [["launchctl", "bootout", f"{target}/{service.LABEL}"]]
    assert all_files(home) == set() and not (home / "Library/Logs/alignment-lens").exists()


# ------------------------------------------------------------------------------- Windows


def task_parts(xml: bytes) -> dict:
    ns = {"t": service.TASK_NS}
    root = ET.fromstring(xml)
    def text(path):
        return root.find(path, ns).text
    return {"root": root, "command": text("t:Actions/t:Exec/t:Command"),
            "arguments": text("t:Actions/t:Exec/t:Arguments"),
            "workdir": text("t:Actions/t:Exec/t:WorkingDirectory"),
            "trigger_user": text("t:Triggers/t:LogonTrigger/t:UserId"),
            "logon": text("t:Principals/t:Principal/t:LogonType"),
            "level": text("t:Principals/t:Principal/t:RunLevel"),
            "limit": text("t:Settings/t:ExecutionTimeLimit"),
            "restart_interval": text("t:Settings/t:RestartOnFailure/t:Interval"),
            "restart_count": text("t:Settings/t:RestartOnFailure/t:Count"),
            "instances": text("t:Settings/t:MultipleInstancesPolicy")}


def test_windows_logon_task_xml(home, monkeypatch):
    monkeypatch.setenv("USERDOMAIN", "DESKTOP-1")
    spec = service.make_spec(8780, platform="win32")
    xml = service.windows_task_xml(spec, service.windows_user())
    assert xml.startswith(b"\xff\xfe")  # UTF-16 with its BOM
    t = task_parts(xml)
    assert t["root"].get("version") == "1.2"
    assert t["command"] == os.path.abspath(sys.executable)  # pythonw.exe only beside a python.exe
    pycache = home / "AppData/Local/AlignmentLens/pycache"
    assert shlex.split(t["arguments"]) == ["-X", f"pycache_prefix={pycache}", "-u", "-m", "server", "--host",
                                           "127.0.0.1", "--port", "8780", "service", "run"]
    assert t["workdir"] == str(REPO)
    assert t["trigger_user"] == f"DESKTOP-1\\{getpass.getuser()}"
    assert t["logon"] == "InteractiveToken" and t["level"] == "LeastPrivilege"  # no elevation
    assert t["limit"] == "PT0S"  # the default would stop it after 72 hours
    assert t["restart_interval"] == "PT1M" and 1 <= int(t["restart_count"]) <= 999
    assert t["instances"] == "IgnoreNew"
    assert spec.log == home / "AppData/Local/AlignmentLens/server.log"


def test_windows_task_prefers_pythonw(tmp_path):
    python = tmp_path / "python.exe"
    python.write_text("")
    (tmp_path / "pythonw.exe").write_text("")
    spec = service.Spec(python=str(python), workdir="C:\\Users\\me\\alignment lens", port=8781,
                        log=tmp_path / "server.log", pycache=tmp_path / "pycache")
    t = task_parts(service.windows_task_xml(spec, "ME\\me & co"))
    assert t["command"] == str(tmp_path / "pythonw.exe")
    assert t["workdir"] == "C:\\Users\\me\\alignment lens" and t["trigger_user"] == "ME\\me & co"


def test_windows_round_trip_with_a_recording_schtasks(home, capsys):
    fake_tool(home.bindir, "schtasks", SCHTASKS)
    xml = home / "AppData/Local/AlignmentLens/task.xml"
    outcome = service.windows_install(service.make_spec(8782, "win32"))
    assert outcome.code == 0, outcome.lines
    assert recorded(home) == [["schtasks", "/Create", "/TN", "Alignment Lens", "/XML", str(xml), "/F"],
                              ["schtasks", "/End", "/TN", "Alignment Lens"],
                              ["schtasks", "/Run", "/TN", "Alignment Lens"]]
    assert all_files(home) == {"AppData/Local/AlignmentLens/task.xml"}
    outcome = service.windows_install(service.make_spec(8782, "win32"))  # /F: replaced, not doubled
    assert outcome.code == 0 and [c[1] for c in recorded(home)] == ["/Create", "/Run"]
    outcome = service.windows_status()
    assert "service manager says: Running" in outcome.lines and "serves: http://127.0.0.1:8782" in outcome.lines
    assert f"log: {home}/AppData/Local/AlignmentLens/server.log" in outcome.lines
    recorded(home)
    outcome = service.windows_uninstall()
    assert outcome.code == 0, outcome.lines
    assert [c[1] for c in recorded(home)] == ["/End", "/Delete"]
    assert all_files(home) == set() and not (home / "AppData/Local/AlignmentLens").exists()


def test_windows_supervisor_logs_and_restarts_a_failing_server(tmp_path):
    """`service run` (what the task starts) appends the server's output to the log and starts it
    again when it exits with an error."""
    fails = tmp_path / "fails"
    fails.write_text(f"#!{sys.executable}\nimport sys; print('started', sys.argv[-1]); sys.exit(4)\n")
    fails.chmod(0o755)
    spec = service.Spec(python=str(fails), workdir=str(tmp_path), port=8783, log=tmp_path / "logs" / "server.log",
                        pycache=tmp_path / "pycache")
    assert service.supervise(spec, delay=0.01, max_restarts=2) == 4
    log = spec.log.read_text().splitlines()
    assert log.count("started 8783") == 3
    assert sum("the server exited with 4; restarting" in line for line in log) == 2
