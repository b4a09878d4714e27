"""One sample of the box through psutil: CPU, load, memory, filesystems, I/O, sensors.

A `Sampler` keeps the previous counters so that rates (CPU %, bytes per second) are
computed over the interval between two calls; the first call has no rates yet (`None`).
A sensor that does not exist (virtual machines have none) is reported with
`"status": "unavailable"`, never as 0, and gives no point to the history.

The sample is a plain dict, ready for JSON, with `points`: a flat list of
`(series_name, value)` pairs for the metric store.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

import psutil

# Filesystems that hold no user data: kernel views, RAM-backed, read-only images.
PSEUDO_FS = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
        "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc",
        "pstore", "ramfs", "rpc_pipefs", "securityfs", "squashfs", "sysfs", "tmpfs", "tracefs",
        "iso9660", "nfsd", "fuse.gvfsd-fuse", "fuse.portal", "fuse.lxcfs",
    }
)  # fmt: skip
_SKIP_MOUNT_PREFIXES = ("/proc", "/sys", "/dev", "/run", "/snap/", "/var/lib/docker/")
_SKIP_DISKS = ("loop", "ram", "zram", "sr", "fd")
_SKIP_NICS = ("lo", "veth", "ifb")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/+-]+")


def _clean(name: str) -> str:
    return _UNSAFE.sub("_", name.strip()) or "_"


def is_cartable_cmdline(cmdline: list[str]) -> bool:
    """Given a process command line, return True when it is one of Cartable's processes."""
    head = [os.path.basename(a) for a in cmdline[:3]]
    return "cartable" in head or any("appliance.cli" in a for a in cmdline[:4])


class Sampler:
    """Takes samples; remembers the previous counters to compute rates.

    `own_process` decides from a command line whether a process is Cartable's (the
    current process always counts); processes are re-listed every `rescan_seconds`.
    """

    def __init__(
        self,
        *,
        own_process: Callable[[list[str]], bool] = is_cartable_cmdline,
        rescan_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._own_process = own_process
        self._rescan_seconds = rescan_seconds
        self._clock = clock
        self._prev_t: float | None = None
        self._prev_cpu: list[Any] | None = None
        self._prev_disk: dict[str, Any] = {}
        self._prev_net: dict[str, Any] = {}
        self._procs: dict[int, psutil.Process] = {}
        self._prev_proc_cpu: dict[int, float] = {}
        self._procs_listed_at = float("-inf")

    def sample(self) -> dict[str, Any]:
        """Take one sample now; return the sample dict (see the module docstring)."""
        mono = time.monotonic()
        dt = None if self._prev_t is None else max(mono - self._prev_t, 1e-3)
        self._prev_t = mono
        s: dict[str, Any] = {"ts": int(self._clock())}
        s["cpu"] = self._cpu(dt)
        s["load"] = _load(s["cpu"]["count"])
        s["memory"], s["swap"] = _memory()
        s["filesystems"] = _filesystems()
        s["disks"] = self._disks(dt)
        s["network"] = self._network(dt)
        s["temperatures"] = _temperatures()
        s["fans"] = _fans()
        s["battery"] = _battery()
        s["cartable"] = self._own(dt)
        s["points"] = list(sample_points(s))
        return s

    # --- CPU --------------------------------------------------------------------------------

    def _cpu(self, dt: float | None) -> dict[str, Any]:
        times = psutil.cpu_times(percpu=True)
        prev, self._prev_cpu = self._prev_cpu, times
        out: dict[str, Any] = {"count": len(times), "total_pct": None, "iowait_pct": None}
        out["per_core_pct"] = [None] * len(times)
        if dt is None or prev is None or len(prev) != len(times):
            return out
        busy_sum = wait_sum = total_sum = 0.0
        for i, (a, b) in enumerate(zip(prev, times, strict=True)):
            total, idle, iowait = _cpu_delta(a, b)
            total_sum += total
            busy_sum += total - idle - iowait
            wait_sum += iowait
            out["per_core_pct"][i] = _pct(total - idle - iowait, total)
        out["total_pct"] = _pct(busy_sum, total_sum)
        out["iowait_pct"] = _pct(wait_sum, total_sum)
        return out

    # --- disks and network -------------------------------------------------------------------

    def _disks(self, dt: float | None) -> list[dict[str, Any]]:
        try:
            counters = psutil.disk_io_counters(perdisk=True, nowrap=True) or {}
        except (OSError, RuntimeError):
            counters = {}
        out = []
        current = {n: c for n, c in counters.items() if _is_whole_disk(n)}
        for name, c in sorted(current.items()):
            p = self._prev_disk.get(name)
            item: dict[str, Any] = {"name": name, "read_bps": None, "write_bps": None}
            item["busy_pct"] = None
            if dt is not None and p is not None:
                item["read_bps"] = max(c.read_bytes - p.read_bytes, 0) / dt
                item["write_bps"] = max(c.write_bytes - p.write_bytes, 0) / dt
                busy = getattr(c, "busy_time", None)
                if busy is not None:
                    item["busy_pct"] = min(max(busy - p.busy_time, 0) / (dt * 10.0), 100.0)
            out.append(item)
        self._prev_disk = current
        return out

    def _network(self, dt: float | None) -> list[dict[str, Any]]:
        counters = psutil.net_io_counters(pernic=True, nowrap=True) or {}
        try:
            stats = psutil.net_if_stats()
        except OSError:
            stats = {}
        current = {n: c for n, c in counters.items() if not n.startswith(_SKIP_NICS)}
        out = []
        for name, c in sorted(current.items()):
            p = self._prev_net.get(name)
            st = stats.get(name)
            item: dict[str, Any] = {"name": name, "up": bool(st.isup) if st else None}
            item["speed_mbps"] = (st.speed or None) if st else None
            item["rx_bps"] = item["tx_bps"] = item["errors"] = None
            if dt is not None and p is not None:
                item["rx_bps"] = max(c.bytes_recv - p.bytes_recv, 0) / dt
                item["tx_bps"] = max(c.bytes_sent - p.bytes_sent, 0) / dt
                item["errors"] = max(c.errin + c.errout - p.errin - p.errout, 0)
            out.append(item)
        self._prev_net = current
        return out

    # --- Cartable's own processes --------------------------------------------------------------

    def _own(self, dt: float | None) -> dict[str, Any]:
        now = time.monotonic()
        if now - self._procs_listed_at >= self._rescan_seconds:
            self._procs_listed_at = now
            self._procs = {p.pid: p for p in self._list_own()}
        rss = 0
        cpu_pct: float | None = None if dt is None else 0.0
        alive: dict[int, psutil.Process] = {}
        new_cpu: dict[int, float] = {}
        for pid, proc in self._procs.items():
            try:
                with proc.oneshot():
                    t = proc.cpu_times()
                    rss += proc.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                continue
            alive[pid] = proc
            new_cpu[pid] = t.user + t.system
            before = self._prev_proc_cpu.get(pid)
            if cpu_pct is not None and dt is not None and before is not None:
                cpu_pct += max(new_cpu[pid] - before, 0.0) / dt * 100.0
        self._procs, self._prev_proc_cpu = alive, new_cpu
        return {"processes": len(alive), "cpu_pct": cpu_pct, "rss_bytes": rss}

    def _list_own(self) -> Iterable[psutil.Process]:
        me = os.getpid()
        for proc in psutil.process_iter(["cmdline"]):
            try:
                cmdline = proc.info.get("cmdline") or []
            except (psutil.Error, AttributeError):
                continue
            if proc.pid == me or self._own_process(cmdline):
                yield proc


# --- stateless readers ------------------------------------------------------------------------


def _cpu_delta(a: Any, b: Any) -> tuple[float, float, float]:
    """(total, idle, iowait) seconds elapsed between two cpu_times; guest time is in user."""

    def total(t: Any) -> float:
        return sum(t) - getattr(t, "guest", 0.0) - getattr(t, "guest_nice", 0.0)

    return (
        max(total(b) - total(a), 0.0),
        max(b.idle - a.idle, 0.0),
        max(getattr(b, "iowait", 0.0) - getattr(a, "iowait", 0.0), 0.0),
    )


def _pct(part: float, whole: float) -> float | None:
    return None if whole <= 0 else round(min(max(part / whole * 100.0, 0.0), 100.0), 2)


def _load(cores: int) -> dict[str, Any]:
    try:
        l1, l5, l15 = os.getloadavg()
    except OSError:
        return {"status": "unavailable"}
    return {"status": "ok", "1": l1, "5": l5, "15": l15, "per_core_5": l5 / max(cores, 1)}


def _memory() -> tuple[dict[str, Any], dict[str, Any]]:
    vm = psutil.virtual_memory()
    mem = {
        "total_bytes": vm.total,
        "available_bytes": vm.available,
        "used_bytes": vm.total - vm.available,
        "available_pct": round(vm.available / vm.total * 100.0, 2) if vm.total else None,
    }
    sw = psutil.swap_memory()
    if not sw.total:
        swap: dict[str, Any] = {"status": "absent", "total_bytes": 0, "used_pct": None}
    else:
        swap = {"status": "ok", "total_bytes": sw.total, "used_bytes": sw.used}
        swap["used_pct"] = round(sw.percent, 2)
    return mem, swap


def _filesystems() -> list[dict[str, Any]]:
    seen_devices: set[str] = set()
    out = []
    parts = sorted(psutil.disk_partitions(all=False), key=lambda p: len(p.mountpoint))
    for part in parts:
        mp = part.mountpoint
        if part.fstype in PSEUDO_FS or part.fstype.startswith("fuse."):
            continue
        if mp != "/" and mp.startswith(_SKIP_MOUNT_PREFIXES):
            continue
        if part.device in seen_devices:  # a bind mount shows the same space again
            continue
        item = _filesystem(mp, part.device, part.fstype, "ro" in part.opts.split(","))
        if item is not None:
            seen_devices.add(part.device)
            out.append(item)
    if not any(item["mountpoint"] == "/" for item in out):
        # A root the mount table does not list (a chroot, some containers) is still the
        # disk the school's data fills: watched all the same.
        item = _filesystem("/", "/", "unknown", not os.access("/", os.W_OK))
        if item is not None:
            out.insert(0, item)
    return out


def _filesystem(mp: str, device: str, fstype: str, read_only: bool) -> dict[str, Any] | None:
    """Space and inodes of the filesystem mounted on `mp` (None when it can't be read)."""
    try:
        usage = psutil.disk_usage(mp)
        vfs = os.statvfs(mp)
    except OSError:
        return None
    item: dict[str, Any] = {
        "mountpoint": mp,
        "device": device,
        "fstype": fstype,
        "total_bytes": usage.total,
        "used_bytes": usage.used,
        "free_bytes": usage.free,
        "used_pct": round(usage.percent, 2),
        "read_only": read_only,
    }
    # btrfs and a few others have no fixed inode table: f_files is 0, not "all used".
    if vfs.f_files:
        item["inodes_total"] = vfs.f_files
        item["inodes_used_pct"] = round((vfs.f_files - vfs.f_ffree) / vfs.f_files * 100, 2)
    else:
        item["inodes_total"] = item["inodes_used_pct"] = None
    return item


def _is_whole_disk(name: str) -> bool:
    return not name.startswith(_SKIP_DISKS) and os.path.exists(f"/sys/block/{name}")


def _temperatures() -> dict[str, Any]:
    try:
        found = psutil.sensors_temperatures()
    except (AttributeError, OSError, RuntimeError):
        found = {}
    sensors = []
    for chip, entries in sorted(found.items()):
        for i, e in enumerate(entries):
            if e.current is None:
                continue
            label = e.label or f"{chip}{i}"
            sensors.append(
                {
                    "name": f"{_clean(chip)}/{_clean(label)}",
                    "chip": chip,
                    "label": label,
                    "current": e.current,
                    "high": e.high or None,
                    "critical": e.critical or None,
                }
            )
    return {"status": "ok" if sensors else "unavailable", "sensors": sensors}


def _fans() -> dict[str, Any]:
    try:
        found = psutil.sensors_fans()
    except (AttributeError, OSError, RuntimeError):
        found = {}
    fans = [
        {"name": f"{_clean(chip)}/{_clean(e.label or f'{chip}{i}')}", "rpm": e.current}
        for chip, entries in sorted(found.items())
        for i, e in enumerate(entries)
    ]
    return {"status": "ok" if fans else "unavailable", "fans": fans}


def _battery() -> dict[str, Any]:
    try:
        b = psutil.sensors_battery()
    except (AttributeError, OSError, RuntimeError):
        b = None
    if b is None:
        return {"status": "unavailable"}
    secs = b.secsleft if isinstance(b.secsleft, int) and b.secsleft >= 0 else None
    return {"status": "ok", "percent": b.percent, "plugged": b.power_plugged, "secs_left": secs}


def sample_points(s: dict[str, Any]) -> Iterable[tuple[str, float]]:
    """Given a sample dict, yield its (series_name, value) points, skipping unknowns."""

    def pt(name: str, value: Any) -> Iterable[tuple[str, float]]:
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield name, float(value)

    cpu = s["cpu"]
    yield from pt("cpu.total_pct", cpu["total_pct"])
    yield from pt("cpu.iowait_pct", cpu["iowait_pct"])
    for i, v in enumerate(cpu["per_core_pct"]):
        yield from pt(f"cpu.core_pct:{i}", v)
    for k in ("1", "5", "15"):
        yield from pt(f"load.{k}", s["load"].get(k))
    yield from pt("mem.available_pct", s["memory"]["available_pct"])
    yield from pt("mem.used_bytes", s["memory"]["used_bytes"])
    yield from pt("swap.used_pct", s["swap"].get("used_pct"))
    for fs in s["filesystems"]:
        mp = fs["mountpoint"]
        yield from pt(f"fs.used_pct:{mp}", fs["used_pct"])
        yield from pt(f"fs.free_bytes:{mp}", fs["free_bytes"])
        yield from pt(f"fs.inodes_used_pct:{mp}", fs["inodes_used_pct"])
    for d in s["disks"]:
        yield from pt(f"disk.read_bps:{d['name']}", d["read_bps"])
        yield from pt(f"disk.write_bps:{d['name']}", d["write_bps"])
        yield from pt(f"disk.busy_pct:{d['name']}", d["busy_pct"])
    for n in s["network"]:
        if n["up"] is False:  # an interface that is down carries nothing worth a chart
            continue
        yield from pt(f"net.rx_bps:{n['name']}", n["rx_bps"])
        yield from pt(f"net.tx_bps:{n['name']}", n["tx_bps"])
    for t in s["temperatures"]["sensors"]:
        yield from pt(f"temp.c:{t['name']}", t["current"])
    for f in s["fans"]["fans"]:
        yield from pt(f"fan.rpm:{f['name']}", f["rpm"])
    yield from pt("battery.pct", s["battery"].get("percent"))
    yield from pt("cartable.cpu_pct", s["cartable"]["cpu_pct"])
    yield from pt("cartable.rss_bytes", s["cartable"]["rss_bytes"])


def sample_now(interval: float = 1.0) -> dict[str, Any]:
    """Take a sample with rates measured over `interval` seconds (for `health sample`)."""
    sampler = Sampler()
    sampler.sample()
    time.sleep(max(interval, 0.1))
    return sampler.sample()
