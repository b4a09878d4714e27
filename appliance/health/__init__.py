"""Health: the box watches its hardware and services, keeps a history, explains problems.

Pure services, no Flask. The pieces, in the order a sample travels:

- `config_keys` declares the `health.*` and `mail.*` keys, `settings` gives typed views;
- `sampler` reads psutil (CPU, memory, filesystems, I/O, network, sensors, own processes);
- `smart`, `smartctl`, `smart_spool`, `smart_log` read disks; the only privileged part is
  the root one-shot `smart_spool.main`, which writes JSON files that the worker reads;
- `mdstat`, `ups`, `checks`, `certs`, `updates`, `trend` read the rest of the box;
- `store`, `blocks` and `downsample` keep the history in `metrics.db` (raw, minute, hour);
- `observations` turn facts into observations, `rules` decide levels with hysteresis and
  minimum durations, `alerts` keeps alert episodes and silences, `messages` (with
  `messages_hw`, `messages_box`) words them in French;
- `mailer` sends critical alerts at once and the rest in a daily digest;
- `diagnosis`, `bundle` and `chart` serve `cartable diagnose` and the health page;
- `jobs.HealthMonitor` is what the worker's scheduler calls.
"""
