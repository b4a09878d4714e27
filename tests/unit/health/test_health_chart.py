"""SVG charts: well-formed, accessible, no inline style, gaps kept, empty state."""

from defusedxml import ElementTree as ET

from appliance.health.chart import chart_for, render_chart
from appliance.health.store import MetricStore

NS = "{http://www.w3.org/2000/svg}"


def data(points, start=0, end=3600, step=10):
    return {
        "name": "cpu",
        "start": start,
        "end": end,
        "step": step,
        "tier": "raw",
        "points": [{"ts": t, "avg": v, "min": v - 1, "max": v + 1} for t, v in points],
    }


def test_chart_is_accessible_svg_without_style():
    svg = render_chart(
        data([(t, t / 100) for t in range(0, 3600, 10)]),
        title="Processeur",
        unit="%",
        chart_id="cpu day",
        y_min=0,
        y_max=100,
        period="la dernière heure",
        thresholds=[(90, "critique")],
    )
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "cpu-day-title cpu-day-desc"
    assert root.find(f"{NS}title").text == "Processeur"
    desc = root.find(f"{NS}desc").text
    assert desc.startswith("Processeur sur la dernière heure : minimum")
    assert "dernière valeur 35,9 %" in desc
    for el in root.iter():
        assert "style" not in el.attrib and el.tag != f"{NS}style"
        assert not el.tag.endswith("script")
    assert len(root.findall(f"{NS}polyline")) == 1
    assert len(root.findall(f"{NS}polygon")) == 1
    assert any(t.text == "critique" for t in root.iter(f"{NS}text"))


def test_gaps_split_the_line():
    pts = [(t, 1.0) for t in range(0, 600, 10)] + [(t, 2.0) for t in range(1800, 2400, 10)]
    root = ET.fromstring(render_chart(data(pts), title="x"))
    assert len(root.findall(f"{NS}polyline")) == 2


def test_empty_chart_says_so():
    root = ET.fromstring(render_chart(data([]), title="Disque", period="la dernière heure"))
    assert root.find(f"{NS}desc").text == "Pas encore de données pour la dernière heure."


def test_chart_for_reads_the_store(tmp_path):
    store = MetricStore.open(tmp_path / "m.db")
    store.write([(1000 + i * 10, "mem.available_pct", 50.0 + i % 3) for i in range(100)])
    svg = chart_for(store, "mem.available_pct", "hour", now=2000, title="Mémoire", unit="%")
    root = ET.fromstring(svg)
    assert root.find(f"{NS}title").text == "Mémoire"
    assert "dernière heure" in root.find(f"{NS}desc").text
