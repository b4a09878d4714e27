"""Reading `smartctl --json -a` output (smartmontools 7): pure parsing, no I/O.

`parse_report(data, previous)` turns smartctl's JSON into a compact report: identity,
overall verdict, the attributes that predict failure (5, 187, 188, 197, 198) with their
change since `previous`, temperature, power-on hours, NVMe health, self-test log, the
decoded exit status, and `problems`: the signs found, each with a level.
"""

from __future__ import annotations

from typing import Any

from appliance.health.rules import CRITICAL, OK, WARNING, worst

# smartctl(8), "RETURN VALUES": bit → meaning.
EXIT_BITS = {
    0: "command_line",  # command line did not parse (also: device type not detected)
    1: "open_failed",  # device open failed, or device in a low-power mode
    2: "command_failed",  # some SMART or ATA command failed, or checksum error
    3: "disk_failing",  # SMART status check returned "DISK FAILING"
    4: "prefail_threshold",  # pre-fail attributes at or below their threshold now
    5: "past_threshold",  # some attributes were at or below their threshold in the past
    6: "error_log",  # the device error log contains records of errors
    7: "selftest_errors",  # the self-test log contains records of errors
}
# Backblaze's attributes whose raw value above 0 predicts failure.
WATCHED_ATTRIBUTES = {
    5: "Reallocated_Sector_Ct",
    187: "Reported_Uncorrect",
    188: "Command_Timeout",
    197: "Current_Pending_Sector",
    198: "Offline_Uncorrectable",
}
# 188 counts command timeouts, most often a cable or power problem rather than the platters.
_ATTRIBUTE_LEVEL = {5: CRITICAL, 187: CRITICAL, 188: WARNING, 197: CRITICAL, 198: CRITICAL}
NVME_CRITICAL_WARNING_BITS = {
    0: "spare_below_threshold",
    1: "temperature",
    2: "reliability_degraded",
    3: "read_only",
    4: "volatile_backup_failed",
    5: "persistent_memory_read_only",
}


def decode_exit_status(status: int) -> list[str]:
    """Given smartctl's exit status, return the names of the bits set (see EXIT_BITS)."""
    return [name for bit, name in EXIT_BITS.items() if status & (1 << bit)]


def messages(data: dict[str, Any]) -> list[str]:
    """smartctl's own messages (errors and warnings it printed), as strings."""
    return [m.get("string", "") for m in data.get("smartctl", {}).get("messages", [])]


def parse_report(data: dict[str, Any], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    """Given smartctl's JSON for one disk (and the previous report of the same disk, if
    any), return the report dict described in the module docstring."""
    sc = data.get("smartctl", {})
    exit_status = int(sc.get("exit_status", 0))
    dev = data.get("device", {})
    protocol = dev.get("protocol")
    report: dict[str, Any] = {
        "device": dev.get("name") or _argv_device(sc.get("argv", [])),
        "device_type": dev.get("type"),
        "protocol": protocol,
        "model": data.get("model_name") or data.get("scsi_model_name"),
        "family": data.get("model_family"),
        "serial": data.get("serial_number"),
        "firmware": data.get("firmware_version"),
        "capacity_bytes": data.get("user_capacity", {}).get("bytes"),
        "kind": _kind(data),
        "collected_at": data.get("local_time", {}).get("time_t"),
        "smartctl_version": ".".join(str(v) for v in sc.get("version", [])) or None,
        "exit_status": exit_status,
        "exit_flags": decode_exit_status(exit_status),
        "messages": messages(data),
        "passed": data.get("smart_status", {}).get("passed"),
        "temperature_c": data.get("temperature", {}).get("current"),
        "power_on_hours": data.get("power_on_time", {}).get("hours"),
        "attributes": _attributes(data),
        "nvme": _nvme(data),
        "selftests": parse_selftest_log(data),
        "selftest_in_progress": _selftest_in_progress(data),
    }
    same_disk = previous is not None and previous.get("serial") == report["serial"]
    prev_attrs = (previous or {}).get("attributes", {}) if same_disk else {}
    report["watched"] = {}
    for attr_id in WATCHED_ATTRIBUTES:
        attr = report["attributes"].get(str(attr_id))
        if attr is None:
            continue
        before = prev_attrs.get(str(attr_id), {}).get("raw")
        change = attr["raw"] - before if isinstance(before, int) else None
        report["watched"][str(attr_id)] = {
            "name": attr["name"],
            "raw": attr["raw"],
            "change": change,
        }
    report["problems"] = assess(report)
    report["verdict"] = _verdict(report)
    return report


def _argv_device(argv: list[str]) -> str | None:
    devs = [a for a in argv if a.startswith("/dev/")]
    return devs[-1] if devs else None


def _kind(data: dict[str, Any]) -> str:
    proto = data.get("device", {}).get("protocol")
    if proto == "NVMe":
        return "nvme"
    rate = data.get("rotation_rate")
    if rate == 0:
        return "ssd"
    if isinstance(rate, int) and rate > 0:
        return "hdd"
    return "unknown"


def _attributes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for a in data.get("ata_smart_attributes", {}).get("table", []):
        out[str(a["id"])] = {
            "id": a["id"],
            "name": a.get("name", ""),
            "value": a.get("value"),
            "worst": a.get("worst"),
            "thresh": a.get("thresh"),
            "when_failed": a.get("when_failed", ""),
            "prefailure": bool(a.get("flags", {}).get("prefailure")),
            "raw": a.get("raw", {}).get("value", 0),
            "raw_string": a.get("raw", {}).get("string", ""),
        }
    return out


def _nvme(data: dict[str, Any]) -> dict[str, Any] | None:
    log = data.get("nvme_smart_health_information_log")
    if log is None:
        return None
    cw = int(log.get("critical_warning", 0))
    return {
        "critical_warning": cw,
        "critical_warning_flags": [
            n for b, n in NVME_CRITICAL_WARNING_BITS.items() if cw & (1 << b)
        ],
        "available_spare": log.get("available_spare"),
        "available_spare_threshold": log.get("available_spare_threshold"),
        "percentage_used": log.get("percentage_used"),
        "media_errors": log.get("media_errors"),
        "unsafe_shutdowns": log.get("unsafe_shutdowns"),
        "num_err_log_entries": log.get("num_err_log_entries"),
    }


def parse_selftest_log(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The self-test log, most recent first: [{"type", "status", "passed", "hours",
    "remaining_percent", "lba"}] from an ATA log or an NVMe one (smartctl 7.4+)."""
    out = []
    ata = data.get("ata_smart_self_test_log", {})
    table = (ata.get("extended") or ata.get("standard") or {}).get("table", [])
    for e in table:
        st = e.get("status", {})
        out.append(
            {
                "type": e.get("type", {}).get("string"),
                "status": st.get("string"),
                "passed": st.get("passed"),
                "hours": e.get("lifetime_hours"),
                "remaining_percent": st.get("remaining_percent"),
                "lba": e.get("lba"),
            }
        )
    for e in data.get("nvme_self_test_log", {}).get("table", []):
        result = e.get("self_test_result", {})
        out.append(
            {
                "type": e.get("self_test_code", {}).get("string"),
                "status": result.get("string"),
                "passed": result.get("value") == 0,
                "hours": e.get("power_on_hours"),
                "remaining_percent": None,
                "lba": e.get("lba"),
            }
        )
    return out


def _selftest_in_progress(data: dict[str, Any]) -> int | None:
    """Percent remaining of a running self-test, or None when none runs."""
    st = data.get("ata_smart_data", {}).get("self_test", {}).get("status", {})
    if isinstance(st.get("value"), int) and st["value"] >> 4 == 0xF:
        return st.get("remaining_percent", (st["value"] & 0xF) * 10)
    op = data.get("nvme_self_test_log", {}).get("current_self_test_operation", {})
    if op.get("value"):
        return data["nvme_self_test_log"].get("current_self_test_completion_percent")
    return None


def assess(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The problems a report shows: [{"code", "level", ...details}] (empty when healthy)."""
    flags = set(report["exit_flags"])
    problems: list[dict[str, Any]] = []
    if flags & {"command_line", "open_failed"} or (
        "command_failed" in flags and report["passed"] is None
    ):
        problems.append({"code": "unreadable", "level": WARNING, "messages": report["messages"]})
    if report["passed"] is False or "disk_failing" in flags:
        problems.append({"code": "failing", "level": CRITICAL})
    failing_now = [a for a in report["attributes"].values() if a["when_failed"] == "now"]
    if "prefail_threshold" in flags or failing_now:
        names = [a["name"] for a in failing_now]
        problems.append({"code": "prefail_threshold", "level": CRITICAL, "attributes": names})
    elif "past_threshold" in flags:
        past = [a["name"] for a in report["attributes"].values() if a["when_failed"] == "past"]
        problems.append({"code": "past_threshold", "level": WARNING, "attributes": past})
    for attr_id, w in report["watched"].items():
        if w["raw"] > 0:
            problems.append(
                {
                    "code": f"attr_{attr_id}",
                    "level": _ATTRIBUTE_LEVEL[int(attr_id)],
                    "raw": w["raw"],
                    "change": w["change"],
                }
            )
    latest = report["selftests"][0] if report["selftests"] else None
    if (latest and latest["passed"] is False) or "selftest_errors" in flags:
        problems.append({"code": "selftest_failed", "level": CRITICAL, "last": latest})
    if "error_log" in flags:
        problems.append({"code": "error_log", "level": WARNING})
    problems += _nvme_problems(report["nvme"])
    return problems


def _nvme_problems(nvme: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not nvme:
        return []
    out: list[dict[str, Any]] = []
    if nvme["critical_warning"]:
        out.append(
            {
                "code": "nvme_critical_warning",
                "level": CRITICAL,
                "flags": nvme["critical_warning_flags"],
            }
        )
    if (nvme["media_errors"] or 0) > 0:
        out.append({"code": "nvme_media_errors", "level": CRITICAL, "count": nvme["media_errors"]})
    spare, spare_min = nvme["available_spare"], nvme["available_spare_threshold"]
    if spare is not None and spare_min is not None and spare < spare_min:
        out.append({"code": "nvme_spare", "level": CRITICAL, "spare": spare})
    used = nvme["percentage_used"]
    if used is not None and used >= 90:
        out.append(
            {
                "code": "nvme_wear",
                "level": CRITICAL if used >= 100 else WARNING,
                "percentage_used": used,
            }
        )
    return out


def _verdict(report: dict[str, Any]) -> str:
    if report["passed"] is None and not report["attributes"] and not report["nvme"]:
        return (
            "unknown" if not report["problems"] else worst([p["level"] for p in report["problems"]])
        )
    return worst([p["level"] for p in report["problems"]]) if report["problems"] else OK
