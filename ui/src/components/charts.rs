//! Small SVG charts drawn by the back office itself (no chart library): vertical bars, grouped or
//! stacked, for the reports. Each chart has a title and a description for screen readers, each
//! bar a tooltip with its value, and the page shows the same numbers in a table below.

use yew::prelude::*;

/// How the values read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// Integer cents shown as rands.
    Rands,
}

impl Unit {
    pub fn show(self, value: i64) -> String {
        match self {
            Unit::Count => value.to_string(),
            Unit::Rands => crate::format::rand(value),
        }
    }

    /// A short axis label (R12.5k, 1.2k).
    fn short(self, value: i64) -> String {
        let (v, prefix) = match self {
            Unit::Count => (value as f64, ""),
            Unit::Rands => (value as f64 / 100.0, "R"),
        };
        if v.abs() >= 1_000_000.0 {
            format!("{prefix}{:.1}m", v / 1_000_000.0)
        } else if v.abs() >= 10_000.0 {
            format!("{prefix}{:.0}k", v / 1_000.0)
        } else {
            format!("{prefix}{v:.0}")
        }
    }
}

/// One series of values, one value per category; `class` colours it (`series-<class>` in CSS).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    pub class: &'static str,
    pub values: Vec<i64>,
}

#[derive(Properties, PartialEq)]
pub struct BarChartProps {
    pub id: AttrValue,
    pub title: AttrValue,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    #[prop_or(false)]
    pub stacked: bool,
    pub unit: Unit,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 44.0;

/// One bar's place: x, y, width, height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// Where the bars go: `[series][category]`. Negative values are drawn as zero (none of the
/// reports has any).
pub fn layout(categories: usize, series: &[Series], stacked: bool) -> (Vec<Vec<Bar>>, i64) {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let value = |s: &Series, c: usize| s.values.get(c).copied().unwrap_or(0).max(0);
    let max = (0..categories)
        .map(|c| {
            if stacked {
                series.iter().map(|s| value(s, c)).sum::<i64>()
            } else {
                series.iter().map(|s| value(s, c)).max().unwrap_or(0)
            }
        })
        .max()
        .unwrap_or(0)
        .max(1);
    let band = plot_w / categories.max(1) as f64;
    let inner = band * 0.8;
    let groups = if stacked { 1.0 } else { series.len().max(1) as f64 };
    let bar_w = inner / groups;
    let scale = |v: i64| v as f64 / max as f64 * plot_h;
    let mut bars = vec![Vec::with_capacity(categories); series.len()];
    for c in 0..categories {
        let x0 = LEFT + band * c as f64 + band * 0.1;
        let mut stack = 0.0;
        for (i, s) in series.iter().enumerate() {
            let h = scale(value(s, c));
            let (x, y) = if stacked {
                stack += h;
                (x0, TOP + plot_h - stack)
            } else {
                (x0 + bar_w * i as f64, TOP + plot_h - h)
            };
            bars[i].push(Bar { x, y, w: bar_w.max(1.0), h });
        }
    }
    (bars, max)
}

/// Bars per category, grouped or stacked, with a value axis, category labels and a legend.
#[function_component(BarChart)]
pub fn bar_chart(props: &BarChartProps) -> Html {
    let n = props.categories.len();
    let (bars, max) = layout(n, &props.series, props.stacked);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let title_id = format!("{}-title", props.id);
    let desc_id = format!("{}-desc", props.id);
    let description = format!(
        "{} categories; the largest {} is {}. The table below lists every value.",
        n,
        if props.stacked { "total" } else { "value" },
        props.unit.show(max)
    );
    // At most about twelve category labels fit under the chart.
    let every = n.div_ceil(12).max(1);
    let band = (WIDTH - LEFT - RIGHT) / n.max(1) as f64;
    let ticks = [0, max / 2, max];
    html! {
        <figure class="chart" id={props.id.clone()}>
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
                aria-labelledby={format!("{title_id} {desc_id}")} class="chart-svg">
                <title id={title_id.clone()}>{ props.title.clone() }</title>
                <desc id={desc_id}>{ description }</desc>
                { for ticks.iter().map(|t| {
                    let y = TOP + plot_h - (*t as f64 / max as f64 * plot_h);
                    html! {
                        <g class="chart-tick">
                            <line x1={LEFT.to_string()} x2={(WIDTH - RIGHT).to_string()}
                                y1={y.to_string()} y2={y.to_string()} />
                            <text x={(LEFT - 6.0).to_string()} y={(y + 4.0).to_string()}
                                text-anchor="end">{ props.unit.short(*t) }</text>
                        </g>
                    }
                }) }
                { for props.series.iter().zip(bars.iter()).map(|(s, places)| html! {
                    <g class={format!("series series-{}", s.class)}>
                        { for places.iter().enumerate().map(|(c, b)| {
                            let value = s.values.get(c).copied().unwrap_or(0);
                            let tip = format!("{} · {}: {}", props.categories[c], s.label, props.unit.show(value));
                            html! {
                                <rect class="bar" x={format!("{:.1}", b.x)} y={format!("{:.1}", b.y)}
                                    width={format!("{:.1}", b.w)} height={format!("{:.1}", b.h)}
                                    data-value={value.to_string()} tabindex="0" aria-label={tip.clone()}>
                                    <title>{ tip }</title>
                                </rect>
                            }
                        }) }
                    </g>
                }) }
                { for props.categories.iter().enumerate().filter(|(i, _)| i % every == 0).map(|(i, c)| {
                    let x = LEFT + band * (i as f64 + 0.5);
                    html! {
                        <text class="chart-label" x={format!("{x:.1}")} y={(HEIGHT - BOTTOM + 16.0).to_string()}
                            text-anchor="middle">{ c.clone() }</text>
                    }
                }) }
            </svg>
            <figcaption class="legend">
                { for props.series.iter().map(|s| html! {
                    <span class="legend-item">
                        <span class={format!("swatch series-{}", s.class)} aria-hidden="true"></span>
                        { s.label.clone() }
                    </span>
                }) }
            </figcaption>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[i64]) -> Series {
        Series { label: "s".into(), class: "a", values: values.to_vec() }
    }

    #[test]
    fn the_tallest_bar_fills_the_plot_and_stacks_add_up() {
        let (bars, max) = layout(2, &[series(&[5, 10])], false);
        assert_eq!(max, 10);
        assert!((bars[0][1].h - (HEIGHT - TOP - BOTTOM)).abs() < 1e-9);
        assert!((bars[0][0].h * 2.0 - bars[0][1].h).abs() < 1e-9);
        let (stacked, max) = layout(1, &[series(&[3]), series(&[1])], true);
        assert_eq!(max, 4);
        // The second segment sits on top of the first.
        assert!((stacked[1][0].y + stacked[1][0].h - stacked[0][0].y).abs() < 1e-9);
    }

    #[test]
    fn empty_and_negative_data_draw_nothing_tall() {
        let (bars, max) = layout(0, &[series(&[])], false);
        assert_eq!((bars[0].len(), max), (0, 1));
        let (bars, _) = layout(1, &[series(&[-5])], false);
        assert_eq!(bars[0][0].h, 0.0);
    }

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(Unit::Rands.short(1_260_000), "R13k");
        assert_eq!(Unit::Count.short(2_500_000), "2.5m");
        assert_eq!(Unit::Count.short(7), "7");
    }
}
