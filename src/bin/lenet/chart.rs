//! The PNG chart of a training run: loss and accuracy per epoch, train and test.

use std::path::Path;

use plotters::prelude::*;

use crate::train::EpochLog;
use crate::CliResult;

pub fn draw(path: &Path, history: &[EpochLog]) -> CliResult<()> {
    draw_charts(path, history).map_err(|e| format!("cannot draw the chart {}: {e}", path.display()))
}

fn draw_charts(path: &Path, history: &[EpochLog]) -> Result<(), Box<dyn std::error::Error>> {
    let root = BitMapBackend::new(path, (1200, 450)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(600);
    let epochs = history.len().max(2) as f32;
    let series = |f: fn(&EpochLog) -> f32| history.iter().map(move |e| (e.epoch as f32, f(e))).collect::<Vec<_>>();

    let max_loss = history.iter().map(|e| e.train_loss.max(e.test_loss)).fold(0.0, f32::max).max(1e-3);
    let mut loss = ChartBuilder::on(&left)
        .caption("loss", ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(1f32..epochs, 0f32..max_loss * 1.05)?;
    loss.configure_mesh().x_desc("epoch").draw()?;
    for (name, data, color) in [("train", series(|e| e.train_loss), BLUE), ("test", series(|e| e.test_loss), RED)] {
        loss.draw_series(LineSeries::new(data, color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    loss.configure_series_labels().border_style(BLACK).background_style(WHITE).draw()?;

    let acc = |f: fn(&EpochLog) -> f32| series(f).into_iter().map(|(x, y)| (x, 100.0 * y)).collect::<Vec<_>>();
    let train_acc = acc(|e| e.train_accuracy);
    let test_acc = acc(|e| e.test_accuracy);
    let low = train_acc.iter().chain(&test_acc).map(|p| p.1).fold(100.0, f32::min);
    let mut accuracy = ChartBuilder::on(&right)
        .caption("accuracy (%)", ("sans-serif", 24))
        .margin(15)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(1f32..epochs, (low - 0.5).max(0.0)..100f32)?;
    accuracy.configure_mesh().x_desc("epoch").draw()?;
    for (name, data, color) in [("train", train_acc, BLUE), ("test", test_acc, RED)] {
        accuracy
            .draw_series(LineSeries::new(data, color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    accuracy
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .border_style(BLACK)
        .background_style(WHITE)
        .draw()?;
    root.present()?;
    Ok(())
}
