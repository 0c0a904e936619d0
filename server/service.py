"""`python -m server service install | uninstall | status`: start the API at login, no root.

One backend per platform, each a few small functions:
- Linux: a systemd user unit (~/.config/systemd/user/alignment-lens.service), `systemctl --user`;
- macOS: a LaunchAgent (~/Library/LaunchAgents/org.alignment-lens.server.plist), `launchctl`;
- Windows: a Task Scheduler logon task ("Alignment Lens", `schtasks /Create /XML`).

Every definition runs the interpreter this command was run with (sys.executable, not resolved, so
a virtualenv stays a virtualenv) in the checkout the `server` package was imported from, bound to
127.0.0.1 on the chosen port, restarted when it fails, its output appended to a log file that
`status` names. Bytecode goes to a cache outside the checkout (`-X pycache_prefix`): Chrome's
"Load unpacked" refuses a folder holding __pycache__.
"""
from __future__ import annotations

import getpass
import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

HOST = "127.0.0.1"
NAME = "alignment-lens"  # systemd unit name, directory names
LABEL = "org.alignment-lens.server"  # launchd label
TASK_NAME = "Alignment Lens"  # Windows task name
CHECKOUT = Path(__file__).resolve().parent.parent
RESTART_DELAY_S = 5
# Exit codes: install/uninstall 0 done, 1 failed; status 0 running, 3 not running (as LSB's status).
NOT_RUNNING = 3


@dataclass
class Spec:
    """What one installed service runs: interpreter, checkout, port, and where its files go."""
    python: str
    workdir: str
    port: int
    log: Path
    pycache: Path
    name: str = NAME

    def arguments(self) -> list[str]:
        """The interpreter's arguments (after the interpreter itself)."""
        return ["-X", f"pycache_prefix={self.pycache}", "-u", "-m", "server", "--host", HOST,
                "--port", str(self.port)]

    def command(self) -> list[str]:
        return [self.python, *self.arguments()]


@dataclass
class Outcome:
    code: int
    lines: list[str]


def run(cmd: list[str]) -> subprocess.CompletedProcess | None:
    """Run a service-manager command; None when the command does not exist."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        return None


def said(result: subprocess.CompletedProcess | None) -> str:
    if result is None:
        return "not found"
    return (result.stderr or result.stdout or f"exit {result.returncode}").strip()


def answers(port: int, timeout: float = 1.0) -> bool:
    """True when an Alignment Lens API answers /api/v1/health on 127.0.0.1:port."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/api/v1/health", timeout=timeout) as reply:
            return reply.status == 200
    except (OSError, ValueError):
        return False


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` (creating its folder); False when it already held exactly that."""
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def remove_empty_dirs(*dirs: Path) -> None:
    for d in dirs:
        try:
            d.rmdir()
        except OSError:
            pass


def remove_installed(definition: Path, paths: dict[str, Path], *own_dirs: Path) -> list[str]:
    """What every uninstall ends with: the service definition and the bytecode go, then the
    folders install made if they are empty; the log stays."""
    lines = []
    if definition.exists():
        definition.unlink()
        lines.append(f"removed: {definition}")
    else:
        lines.append(f"not installed: {definition} does not exist")
    shutil.rmtree(paths["pycache"], ignore_errors=True)
    remove_empty_dirs(*own_dirs)
    if paths["log"].exists():
        lines.append(f"log kept: {paths['log']}")
    return lines


def port_in(text: str) -> int | None:
    found = re.search(r"--port\W+(\d+)", text)
    return int(found.group(1)) if found else None


def log_hint(log: Path) -> str:
    if sys.platform == "win32":
        return f'Get-Content -Wait "{log}"   (PowerShell)'
    return f"tail -f {shlex.quote(str(log))}"


# ---------------------------------------------------------------------------------------- Linux

def xdg(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value and os.path.isabs(value) else Path.home() / default


def systemd_paths(name: str = NAME) -> dict[str, Path]:
    return {"unit": xdg("XDG_CONFIG_HOME", ".config") / "systemd" / "user" / f"{name}.service",
            "log": xdg("XDG_STATE_HOME", ".local/state") / name / "server.log",
            "pycache": xdg("XDG_CACHE_HOME", ".cache") / name / "pycache"}


def systemd_escape(value: str) -> str:
    """One unit-file word: % and $ are specifiers and variables there, so doubled."""
    return value.replace("%", "%%").replace("$", "$$")


def systemd_quote(arg: str) -> str:
    """One ExecStart argument, double-quoted when it needs to be (C-style escapes inside)."""
    arg = systemd_escape(arg)
    if arg and not re.search(r'[\s"\'\\;]', arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(spec: Spec) -> str:
    if '"' in spec.python:
        raise ValueError(f"systemd cannot run an interpreter whose path holds a double quote: {spec.python}")
    log = systemd_escape(str(spec.log))
    # The executable itself is not variable-expanded ($ stays single); its arguments are.
    python = systemd_quote(spec.python).replace("$$", "$")
    return "\n".join([
        "# Written by `python -m server service install`; `python -m server service uninstall` removes it.",
        "[Unit]",
        "Description=Alignment Lens API (the local server of the browser extension)",
        f"Documentation={systemd_escape((Path(spec.workdir) / 'README.md').as_uri())}",
        "",
        "[Service]",
        "Type=simple",
        f"WorkingDirectory={systemd_escape(spec.workdir)}",
        "ExecStart=" + " ".join([python, *(systemd_quote(a) for a in spec.arguments())]),
        "Restart=on-failure",
        f"RestartSec={RESTART_DELAY_S}",
        f"StandardOutput=append:{log}",
        f"StandardError=append:{log}",
        "",
        "[Install]",
        "WantedBy=default.target",
        ""])


def systemctl(*args: str) -> subprocess.CompletedProcess | None:
    return run(["systemctl", "--user", *args])


def systemd_install(spec: Spec) -> Outcome:
    paths = systemd_paths(spec.name)
    unit = f"{spec.name}.service"
    changed = write_if_changed(paths["unit"], systemd_unit(spec).encode())
    spec.log.parent.mkdir(parents=True, exist_ok=True)  # systemd creates the file, not its folder
    lines = [f"{'wrote' if changed else 'unchanged'}: {paths['unit']}"]
    if shutil.which("systemctl") is None:
        return Outcome(1, lines + [
            "systemctl was not found: this system does not run systemd, so nothing starts the unit.",
            f"Start the server by hand instead: cd {shlex.quote(spec.workdir)} && "
            + " ".join(shlex.quote(a) for a in spec.command())])
    enabled = systemctl("enable", unit)  # works without a running manager (it only makes a link)
    if enabled is None or enabled.returncode != 0:
        return Outcome(1, lines + [f"systemctl --user enable {unit} failed: {said(enabled)}"])
    lines.append(f"enabled: starts at login (default.target.wants/{unit})")
    reload = systemctl("daemon-reload")
    if reload is None or reload.returncode != 0:
        # No user manager in this session (a container, su without a login, no D-Bus).
        return Outcome(0, lines + [
            f"not started now: no systemd user manager answers ({said(reload)}).",
            "It starts at your next login in a session that runs a systemd user manager; to start "
            f"it now there: `systemctl --user start {unit}`; here, run it by hand: cd {shlex.quote(spec.workdir)} && "
            + " ".join(shlex.quote(a) for a in spec.command())])
    started = systemctl("restart" if changed else "start", unit)
    if started is None or started.returncode != 0:
        return Outcome(1, lines + [f"systemctl --user start {unit} failed: {said(started)}",
                                   f"see `systemctl --user status {unit}` and the log: {log_hint(spec.log)}"])
    return Outcome(0, lines + [f"started: http://{HOST}:{spec.port}  (log: {spec.log})"])


def systemd_uninstall(name: str = NAME) -> Outcome:
    paths = systemd_paths(name)
    unit = f"{name}.service"
    lines, code = [], 0
    if shutil.which("systemctl") is not None:
        stopped = systemctl("disable", "--now", unit)
        if stopped is not None and stopped.returncode != 0:
            # --now needs the manager; without one, disable alone still removes the link.
            stopped = systemctl("disable", unit)
        if stopped is None or stopped.returncode != 0:
            lines.append(f"systemctl --user disable {unit}: {said(stopped)}")
        systemctl("daemon-reload")
    link = paths["unit"].parent / "default.target.wants" / unit
    if link.is_symlink():
        code = 1
        lines.append(f"could not remove {link}")
    # Only our own folders; ~/.config/systemd/user and the like may have been there before.
    lines += remove_installed(paths["unit"], paths, paths["unit"].parent / "default.target.wants",
                              paths["pycache"].parent, paths["log"].parent)
    return Outcome(code, lines)


def systemd_status(name: str = NAME) -> Outcome:
    paths = systemd_paths(name)
    unit = f"{name}.service"
    installed = paths["unit"].is_file()
    port = port_in(paths["unit"].read_text()) if installed else None
    lines = [f"definition: {paths['unit']} ({'installed' if installed else 'not installed'})"]
    if shutil.which("systemctl") is None:
        lines.append("service manager: systemctl not found")
    else:
        enabled = systemctl("is-enabled", unit)
        lines.append(f"start at login: {(enabled.stdout.strip() or 'no') if enabled else 'unknown'}")
        active = systemctl("is-active", unit)
        if active is not None and active.stdout.strip():
            lines.append(f"service manager says: {active.stdout.strip()}")
        else:
            lines.append(f"service manager: no systemd user manager answers ({said(active)})")
    return status_tail(lines, port, paths["log"], installed)


# ---------------------------------------------------------------------------------------- macOS

def launchd_paths(name: str = NAME, label: str = LABEL) -> dict[str, Path]:
    home = Path.home()
    return {"plist": home / "Library" / "LaunchAgents" / f"{label}.plist",
            "log": home / "Library" / "Logs" / name / "server.log",
            "pycache": home / "Library" / "Caches" / name / "pycache"}


def launchd_plist(spec: Spec, label: str = LABEL) -> bytes:
    return plistlib.dumps({
        "Label": label,
        "ProgramArguments": spec.command(),
        "WorkingDirectory": spec.workdir,
        "RunAtLoad": True,  # at login (the agent is loaded then) and at install
        "KeepAlive": {"SuccessfulExit": False},  # restarted when it exits with an error
        "ThrottleInterval": RESTART_DELAY_S,
        "StandardOutPath": str(spec.log),
        "StandardErrorPath": str(spec.log),
        "ProcessType": "Background",
    })


def launchd_domain() -> str:
    return f"gui/{os.getuid()}"


def launchd_install(spec: Spec, label: str = LABEL) -> Outcome:
    paths = launchd_paths(spec.name, label)
    changed = write_if_changed(paths["plist"], launchd_plist(spec, label))
    spec.log.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{'wrote' if changed else 'unchanged'}: {paths['plist']}"]
    loaded = run(["launchctl", "print", f"{launchd_domain()}/{label}"])
    if loaded is None:
        return Outcome(1, lines + ["launchctl was not found; start the server by hand: cd "
                                   + shlex.quote(spec.workdir) + " && " + " ".join(map(shlex.quote, spec.command()))])
    if loaded.returncode == 0:
        if not changed:
            return Outcome(0, lines + [f"already loaded: http://{HOST}:{spec.port}  (log: {spec.log})"])
        run(["launchctl", "bootout", f"{launchd_domain()}/{label}"])  # reload the new definition
    boot = run(["launchctl", "bootstrap", launchd_domain(), str(paths["plist"])])
    if boot is None or boot.returncode != 0:
        return Outcome(1, lines + [f"launchctl bootstrap {launchd_domain()} failed: {said(boot)}",
                                   "it still loads at your next login"])
    return Outcome(0, lines + [f"loaded (starts at login): http://{HOST}:{spec.port}  (log: {spec.log})"])


def launchd_uninstall(name: str = NAME, label: str = LABEL) -> Outcome:
    paths = launchd_paths(name, label)
    lines = []
    out = run(["launchctl", "bootout", f"{launchd_domain()}/{label}"])
    if out is not None and out.returncode == 0:
        lines.append(f"stopped and unloaded: {label}")
    lines += remove_installed(paths["plist"], paths, paths["pycache"].parent, paths["log"].parent)
    return Outcome(0, lines)


def launchd_status(name: str = NAME, label: str = LABEL) -> Outcome:
    paths = launchd_paths(name, label)
    installed = paths["plist"].is_file()
    port = port_in(" ".join(plistlib.loads(paths["plist"].read_bytes())["ProgramArguments"])) if installed else None
    lines = [f"definition: {paths['plist']} ({'installed' if installed else 'not installed'})"]
    loaded = run(["launchctl", "print", f"{launchd_domain()}/{label}"])
    if loaded is None:
        lines.append("service manager: launchctl not found")
    else:
        state = re.search(r"^\s*state = (\S+)", loaded.stdout, re.M) if loaded.returncode == 0 else None
        lines.append(f"service manager says: {'loaded, ' + state.group(1) if state else 'loaded' if loaded.returncode == 0 else 'not loaded'}")
    return status_tail(lines, port, paths["log"], installed)


# -------------------------------------------------------------------------------------- Windows

TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"


def windows_paths(name: str = NAME) -> dict[str, Path]:
    local = os.environ.get("LOCALAPPDATA")
    base = (Path(local) if local else Path.home() / "AppData" / "Local") / "AlignmentLens"
    if name != NAME:
        base = base / name
    return {"xml": base / "task.xml", "log": base / "server.log", "pycache": base / "pycache"}


def windows_user() -> str:
    domain = os.environ.get("USERDOMAIN")
    return f"{domain}\\{getpass.getuser()}" if domain else getpass.getuser()


def windowless(python: str) -> str:
    """pythonw.exe beside python.exe runs without a console window at logon."""
    candidate = Path(python).with_name("pythonw.exe")
    return str(candidate) if Path(python).name.lower() == "python.exe" and candidate.exists() else python


def windows_task_xml(spec: Spec, user: str) -> bytes:
    """A Task Scheduler 1.2 task: at this user's logon, without elevation, never timed out,
    restarted when it fails to start; the action is `service run`, which appends the server's
    output to the log and restarts it when it exits with an error (a task cannot redirect)."""
    args = subprocess.list2cmdline([*spec.arguments(), "service", "run"])
    user = xml_escape(user)
    xml = f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="{TASK_NS}">
  <RegistrationInfo>
    <Description>Alignment Lens API (the local server of the browser extension). Written by `python -m server service install`.</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>{user}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{user}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>true</StartWhenAvailable>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{xml_escape(windowless(spec.python))}</Command>
      <Arguments>{xml_escape(args)}</Arguments>
      <WorkingDirectory>{xml_escape(spec.workdir)}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""
    return xml.encode("utf-16")  # with its BOM, as schtasks /XML expects


def windows_install(spec: Spec, task: str = TASK_NAME) -> Outcome:
    paths = windows_paths(spec.name)
    changed = write_if_changed(paths["xml"], windows_task_xml(spec, windows_user()))
    lines = [f"{'wrote' if changed else 'unchanged'}: {paths['xml']}"]
    created = run(["schtasks", "/Create", "/TN", task, "/XML", str(paths["xml"]), "/F"])
    if created is None or created.returncode != 0:
        return Outcome(1, lines + [f"schtasks /Create failed: {said(created)}",
                                   "start the server by hand: cd " + spec.workdir + " && "
                                   + subprocess.list2cmdline(spec.command())])
    lines.append(f"registered: task {task!r} runs at your logon")
    if changed:
        run(["schtasks", "/End", "/TN", task])
    started = run(["schtasks", "/Run", "/TN", task])
    if started is None or started.returncode != 0:
        return Outcome(1, lines + [f"schtasks /Run failed: {said(started)}"])
    return Outcome(0, lines + [f"started: http://{HOST}:{spec.port}  (log: {spec.log})"])


def windows_uninstall(name: str = NAME, task: str = TASK_NAME) -> Outcome:
    paths = windows_paths(name)
    lines, code = [], 0
    run(["schtasks", "/End", "/TN", task])
    deleted = run(["schtasks", "/Delete", "/TN", task, "/F"])
    if deleted is not None and deleted.returncode == 0:
        lines.append(f"deleted: task {task!r}")
    elif paths["xml"].exists():
        code = 1
        lines.append(f"schtasks /Delete failed: {said(deleted)}")
    lines += remove_installed(paths["xml"], paths, paths["xml"].parent)
    return Outcome(code, lines)


def windows_status(name: str = NAME, task: str = TASK_NAME) -> Outcome:
    paths = windows_paths(name)
    installed = paths["xml"].is_file()
    port = port_in(paths["xml"].read_bytes().decode("utf-16")) if installed else None
    lines = [f"definition: {paths['xml']} ({'installed' if installed else 'not installed'})"]
    query = run(["schtasks", "/Query", "/TN", task, "/FO", "LIST"])
    if query is None:
        lines.append("service manager: schtasks not found")
    else:
        state = re.search(r"^Status:\s*(.+)$", query.stdout, re.M)
        lines.append(f"service manager says: {state.group(1).strip() if state else 'task registered' if query.returncode == 0 else 'no such task'}")
    return status_tail(lines, port, paths["log"], installed)


def supervise(spec: Spec, delay: float = RESTART_DELAY_S, max_restarts: int | None = None) -> int:
    """What the Windows task runs (`service run`): the server, output appended to the log,
    restarted after `delay` (doubling to a minute) when it exits with an error; 0 ends it."""
    spec.log.parent.mkdir(parents=True, exist_ok=True)
    restarts, wait = 0, delay
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    while True:
        began = time.monotonic()
        with open(spec.log, "ab") as log:
            code = subprocess.call(spec.command(), cwd=spec.workdir, stdout=log, stderr=subprocess.STDOUT,
                                   creationflags=flags)
        if code == 0 or (max_restarts is not None and restarts >= max_restarts):
            return code
        wait = delay if time.monotonic() - began > 60 else min(wait * 2, 60) if restarts else delay
        with open(spec.log, "a", encoding="utf-8") as log:
            log.write(f"[service] the server exited with {code}; restarting in {wait:g} s\n")
        restarts += 1
        time.sleep(wait)


# --------------------------------------------------------------------------------------- shared

def status_tail(lines: list[str], port: int | None, log: Path, installed: bool) -> Outcome:
    port_text = f"http://{HOST}:{port}" if port else "(no port: not installed)"
    up = bool(port) and answers(port)
    lines += [f"serves: {port_text}", f"running: {'yes, it answers' if up else 'no'}",
              f"log: {log}", f"read the log: {log_hint(log)}"]
    if not installed:
        lines.append("install it: python -m server service install")
    return Outcome(0 if up else NOT_RUNNING, lines)


BACKENDS = {
    "linux": {"label": "systemd user unit", "paths": systemd_paths, "install": systemd_install,
              "uninstall": systemd_uninstall, "status": systemd_status},
    "darwin": {"label": "launchd LaunchAgent", "paths": launchd_paths, "install": launchd_install,
               "uninstall": launchd_uninstall, "status": launchd_status},
    "win32": {"label": "Task Scheduler logon task", "paths": windows_paths, "install": windows_install,
              "uninstall": windows_uninstall, "status": windows_status},
}


def backend(platform: str | None = None) -> dict:
    platform = platform or sys.platform
    key = "linux" if platform.startswith(("linux", "freebsd")) else platform
    if key not in BACKENDS:
        raise SystemExit(f"service: no service manager support for platform {platform!r}")
    return BACKENDS[key]


def make_spec(port: int, platform: str | None = None, name: str = NAME) -> Spec:
    paths = backend(platform)["paths"](name)
    return Spec(python=os.path.abspath(sys.executable), workdir=str(CHECKOUT), port=port,
                log=paths["log"], pycache=paths["pycache"], name=name)


def main(action: str, port: int, host: str = HOST, platform: str | None = None) -> int:
    chosen = backend(platform)
    if host != HOST and action in ("install", "run"):
        print(f"service: the service always listens on {HOST} (loopback); --host {host} is refused",
              file=sys.stderr)
        return 2
    if action == "run":
        return supervise(make_spec(port, platform))
    print(f"Alignment Lens service ({chosen['label']})")
    if action == "install":
        try:
            outcome = chosen["install"](make_spec(port, platform))
        except ValueError as error:
            outcome = Outcome(1, [str(error)])
    else:
        outcome = chosen[action]()
    for line in outcome.lines:
        print("  " + line)
    return outcome.code
