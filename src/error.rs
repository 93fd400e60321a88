//! The one error type of the library. Every message is written for the person
//! who passed the bad value: it says what was expected and what arrived.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    /// A network spec that cannot be parsed or whose shapes do not fit.
    #[error("invalid network spec: {0}")]
    Spec(String),
    /// Input images of the wrong size or with values that are not finite.
    #[error("invalid input: {0}")]
    Input(String),
    /// Labels of the wrong count or out of range.
    #[error("invalid labels: {0}")]
    Labels(String),
    /// A weights file that is corrupt, truncated or does not fit the spec.
    #[error("invalid weights file: {0}")]
    Weights(String),
    /// Optimizer settings that cannot train (a learning rate of NaN, say).
    #[error("invalid optimizer settings: {0}")]
    Optimizer(String),
    /// A training step whose loss or gradients are not finite; the weights
    /// were left as they were before the step.
    #[error("training diverged: {0}")]
    Diverged(String),
    /// A layer asked for by a name the network does not have, or for what
    /// it does not hold (the weights of a pooling layer).
    #[error("{0}")]
    Layer(String),
    /// A data file (IDX, image) that cannot be read.
    #[error("invalid data: {0}")]
    Data(String),
    /// Training settings that cannot make a run (recipe.rs).
    #[error("invalid training settings: {0}")]
    Settings(String),
    /// A run asked for what it cannot do: a step after its last, another network.
    #[error("{0}")]
    Run(String),
}

pub type Result<T> = std::result::Result<T, Error>;
