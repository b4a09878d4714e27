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


# --- labels in plain numbers with units (issue #9: « 1e+03 o/s ») -------------------

NNBSP = "\u202f"


def test_labels_are_plain_french_numbers_with_units():
    from appliance.health.chart import format_value

    assert format_value(1000, "o/s") == "1 Ko/s"
    assert format_value(999.7, "o/s") == "1 Ko/s"
    assert format_value(250, "o/s") == "250 o/s"
    assert format_value(2500, "o/s") == "2,5 Ko/s"
    assert format_value(12_345_678, "o") == "12,3 Mo"
    assert format_value(3.2e9, "o") == "3,2 Go"
    assert format_value(0, "o/s") == "0 o/s"
    assert format_value(45, "%") == "45 %"
    assert format_value(35.94, "%") == "35,9 %"
    assert format_value(0.25, "%") == "0,25 %"
    assert format_value(52.0, "°C") == "52 °C"
    assert format_value(1200, "tr/min") == f"1{NNBSP}200 tr/min"
    assert format_value(1.5) == "1,5"
    assert format_value(-0.0001) == "0"
    assert format_value(1e-7, "%") == "0 %"


def test_axis_labels_never_use_an_exponent():
    pts = [(t, 1000.0 + t) for t in range(0, 3600, 10)]
    root = ET.fromstring(render_chart(data(pts), title="Réseau", unit="o/s"))
    labels = [t.text for t in root.iter(f"{NS}text")]
    assert labels and not [t for t in labels if "e+" in t or "e-" in t]
    assert any(t.endswith(" Ko/s") for t in labels)


def test_the_chart_scales_to_its_container_and_has_a_phone_layout():
    from appliance.health.chart import NARROW, WIDE

    pts = [(t, 40.0) for t in range(0, 3600, 10)]
    wide = ET.fromstring(render_chart(data(pts), title="x", unit="%", **WIDE))
    narrow = ET.fromstring(render_chart(data(pts), title="x", unit="%", **NARROW))
    for root, layout in ((wide, WIDE), (narrow, NARROW)):
        assert root.get("width") == "100%" and root.get("height") is None
        assert root.get("viewBox") == f"0 0 {layout['width']} {layout['height']}"
    assert int(narrow.get("font-size")) > int(wide.get("font-size"))

    def time_labels(root):
        return [t for t in root.iter(f"{NS}text") if ":" in (t.text or "")]

    assert len(time_labels(narrow)) < len(time_labels(wide))


def test_empty_chart_shows_pas_encore_de_donnees():
    root = ET.fromstring(render_chart(data([]), title="Disque", period="la dernière heure"))
    assert "Pas encore de données" in [t.text for t in root.iter(f"{NS}text")]
    assert chart_for(None, "cpu.total_pct", "day", now=10**6).count("Pas encore de données") == 2
