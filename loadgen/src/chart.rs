//! SVG charts (plotters, SVG backend only): a run's pods and allocation
//! ratios over simulated time, and a plan's fit curve.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::{RunReport, Sample};

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

/// One line of a chart: its name and points.
struct Line {
    name: String,
    points: Vec<(f64, f64)>,
}

fn draw_lines(
    area: &Area<'_>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    lines: &[Line],
    y_max: f64,
) -> Result<(), String> {
    let x_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .fold(0.0_f64, f64::max)
        .max(1e-3);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..x_max * 1.02, 0.0..y_max.max(1e-9) * 1.05)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, l) in lines.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(l.points.iter().copied(), color.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(l.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(())
}

fn run_lines(samples: &[Sample]) -> (Vec<Line>, Vec<Line>) {
    let pods = vec![
        Line {
            name: "pending pods".into(),
            points: samples.iter().map(|s| (s.t, s.pending as f64)).collect(),
        },
        Line {
            name: "running pods".into(),
            points: samples.iter().map(|s| (s.t, s.running as f64)).collect(),
        },
    ];
    let mut resources: Vec<String> = samples
        .iter()
        .flat_map(|s| s.allocation.keys().cloned())
        .collect();
    resources.sort();
    resources.dedup();
    let alloc = resources
        .into_iter()
        .map(|r| Line {
            points: samples
                .iter()
                .map(|s| (s.t, s.allocation.get(&r).copied().unwrap_or(0.0)))
                .collect(),
            name: r,
        })
        .collect();
    (pods, alloc)
}

/// A run's chart: pods pending and running, and allocation ratios, over
/// simulated time.
pub fn run_chart(rep: &RunReport) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 700)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let (top, bottom) = root.split_vertically(350);
        let (pods, alloc) = run_lines(&rep.timeline);
        let y_pods = pods
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1))
            .fold(1.0_f64, f64::max);
        let title = format!("{} (seed {}): pods", rep.scenario, rep.seed);
        let _ = draw_lines(&top, &title, "simulated seconds", "pods", &pods, y_pods);
        let _ = draw_lines(
            &bottom,
            "allocation ratio",
            "simulated seconds",
            "requested / allocatable",
            &alloc,
            1.0,
        );
        let _ = root.present();
    }
    svg
}

/// A plan's chart: pending pods (worst case) against node count; green
/// points fit, red ones do not.
pub fn plan_chart(title: &str, curve: &[(u32, bool, u64)], answer: Option<u32>) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 450)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let x_max = curve.iter().map(|c| c.0).max().unwrap_or(1).max(1) as f64;
        let y_max = curve.iter().map(|c| c.2).max().unwrap_or(1).max(1) as f64;
        let chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..x_max * 1.05, 0.0..y_max * 1.1);
        if let Ok(mut chart) = chart {
            let _ = chart
                .configure_mesh()
                .x_desc("nodes")
                .y_desc("pending pods")
                .draw();
            let line = curve.iter().map(|c| (f64::from(c.0), c.2 as f64));
            let _ = chart.draw_series(LineSeries::new(line, PALETTE[0].stroke_width(1)));
            let _ = chart.draw_series(curve.iter().map(|c| {
                let color = if c.1 { PALETTE[2] } else { PALETTE[1] };
                Circle::new((f64::from(c.0), c.2 as f64), 5, color.filled())
            }));
            if let Some(n) = answer {
                let x = f64::from(n);
                let _ = chart.draw_series(LineSeries::new(
                    [(x, 0.0), (x, y_max * 1.1)],
                    PALETTE[2].stroke_width(1),
                ));
            }
        }
        let _ = root.present();
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg() {
        let mut rep = RunReport::default();
        for i in 0..10 {
            rep.timeline.push(Sample {
                t: f64::from(i),
                pending: 10 - i as u64,
                running: i as u64,
                allocation: [("cpu".to_owned(), f64::from(i) / 10.0)].into_iter().collect(),
            });
        }
        let svg = run_chart(&rep);
        assert!(svg.starts_with("<svg") && svg.contains("pending pods") && svg.contains("cpu"));
        let svg = plan_chart("plan", &[(3, false, 2), (4, true, 0)], Some(4));
        assert!(svg.contains("<circle"));
    }
}
