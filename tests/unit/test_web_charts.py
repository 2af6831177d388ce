"""The SVG charts: drawn from any data a page may have, mirrored in a right-to-left page."""

from jouda.shared.web.charts import bar_chart, line_chart


def test_a_line_chart_with_a_target_and_no_value_yet_is_drawn_empty():
    drawn = line_chart([], title="Taux de satisfaction", target=80)
    assert drawn.startswith("<svg") and "<polyline" not in drawn and "Taux de satisfaction" in drawn


def test_a_line_chart_runs_from_right_to_left_in_arabic():
    points = [("2026-01", 10), ("2026-02", 20)]
    left_to_right, right_to_left = line_chart(points, title="t"), line_chart(points, title="t", right_to_left=True)
    first_x = lambda svg: float(svg.split('<circle class="point" cx="', 1)[1].split('"', 1)[0])  # noqa: E731
    assert first_x(left_to_right) < 240 < first_x(right_to_left)


def test_chart_labels_are_escaped():
    drawn = bar_chart([("<script>alert(1)</script>", 3)], title="<b>")
    assert "<script>" not in drawn and "&lt;script&gt;" in drawn


def test_a_chart_lays_out_its_own_direction_whatever_the_page_inherits():
    # In an Arabic page an inherited rtl swaps every text anchor: labels ran off the chart's edge.
    assert 'direction="ltr"' in bar_chart([("الموارد البشرية", 2)], title="t", right_to_left=True)
