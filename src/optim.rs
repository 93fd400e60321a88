//! Optimizers. They walk (value, gradient) slice pairs in a fixed order and
//! keep their own state; they never look at layers.
//!
//! SGD (PyTorch's formulation):
//!   g = grad + weight_decay * w;  v = momentum * v + g;  w -= lr * v
//! Adam (Keras' formulation and defaults: lr 1e-3, beta1 0.9, beta2 0.999,
//! eps 1e-7):
//!   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//!   w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptimizerConfig {
    Sgd { lr: f32, momentum: f32, weight_decay: f32 },
    Adam { lr: f32, beta1: f32, beta2: f32, eps: f32 },
}

/// Keras' defaults for Adam.
pub mod adam {
    pub const LR: f32 = 1e-3;
    pub const BETA1: f32 = 0.9;
    pub const BETA2: f32 = 0.999;
    pub const EPS: f32 = 1e-7;
}

/// One field of optimizer settings as a caller gave it (JavaScript's
/// `{kind: "adam", lr: 0.001}`, read field by field).
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Missing,
    Number(f64),
    /// Anything else, written as JSON for messages (`"0.1"`, `null`, ...).
    Other(String),
}

impl OptimizerConfig {
    /// Settings given as named fields: `keys` are the names the caller gave,
    /// `text` reads `kind`, `field` reads the others. Unknown fields and
    /// numbers that are not numbers are refused with the field's name; what
    /// is missing takes Keras' defaults (SGD has no default rate). The values
    /// are not validated here: see [`OptimizerConfig::validate`].
    pub fn from_fields(
        keys: &[String],
        kind: Option<String>,
        field: impl Fn(&str) -> Field,
    ) -> std::result::Result<OptimizerConfig, String> {
        let kind = kind.unwrap_or_default();
        let fields: &[&str] = match kind.as_str() {
            "adam" => &["lr", "beta1", "beta2", "eps"],
            "sgd" => &["lr", "momentum", "weightDecay"],
            _ => {
                let given = match field("kind") {
                    Field::Missing => "undefined".to_string(),
                    Field::Number(v) => v.to_string(),
                    Field::Other(json) => json,
                };
                return Err(format!("kind must be \"adam\" or \"sgd\", got {given}"));
            }
        };
        if let Some(key) = keys.iter().find(|k| *k != "kind" && !fields.contains(&k.as_str())) {
            return Err(format!("unknown field \"{key}\"; {kind} takes {}", fields.join(", ")));
        }
        let number = |name: &str, default: Option<f32>| match field(name) {
            Field::Number(v) => Ok(v as f32),
            Field::Missing => default.ok_or(format!("{kind} needs {name}")),
            Field::Other(json) => Err(format!("{name} must be a number, got {json}")),
        };
        Ok(match kind.as_str() {
            "adam" => OptimizerConfig::Adam {
                lr: number("lr", Some(adam::LR))?,
                beta1: number("beta1", Some(adam::BETA1))?,
                beta2: number("beta2", Some(adam::BETA2))?,
                eps: number("eps", Some(adam::EPS))?,
            },
            _ => OptimizerConfig::Sgd {
                lr: number("lr", None)?,
                momentum: number("momentum", Some(0.0))?,
                weight_decay: number("weightDecay", Some(0.0))?,
            },
        })
    }

    /// Adam with Keras' defaults for everything but the learning rate.
    pub fn adam(lr: f32) -> Self {
        OptimizerConfig::Adam { lr, beta1: adam::BETA1, beta2: adam::BETA2, eps: adam::EPS }
    }

    pub fn lr(&self) -> f32 {
        match *self {
            OptimizerConfig::Sgd { lr, .. } | OptimizerConfig::Adam { lr, .. } => lr,
        }
    }

    /// Refuses settings that cannot train.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str, v: f32, ok: bool| {
            if ok && v.is_finite() {
                Ok(())
            } else {
                Err(Error::Optimizer(format!("{what} is {v}")))
            }
        };
        match *self {
            OptimizerConfig::Sgd { lr, momentum, weight_decay } => {
                bad("the learning rate (must be > 0)", lr, lr > 0.0)?;
                bad("momentum (must be in [0, 1))", momentum, (0.0..1.0).contains(&momentum))?;
                bad("weight decay (must be >= 0)", weight_decay, weight_decay >= 0.0)
            }
            OptimizerConfig::Adam { lr, beta1, beta2, eps } => {
                bad("the learning rate (must be > 0)", lr, lr > 0.0)?;
                bad("beta1 (must be in [0, 1))", beta1, (0.0..1.0).contains(&beta1))?;
                bad("beta2 (must be in [0, 1))", beta2, (0.0..1.0).contains(&beta2))?;
                bad("eps (must be > 0)", eps, eps > 0.0)
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Optimizer {
    config: OptimizerConfig,
    /// Per parameter tensor: SGD's velocity, or Adam's first moment.
    first: Vec<Vec<f32>>,
    /// Adam's second moment.
    second: Vec<Vec<f32>>,
    steps: u32,
}

impl Optimizer {
    pub fn new(config: OptimizerConfig) -> Result<Optimizer> {
        config.validate()?;
        Ok(Optimizer { config, first: Vec::new(), second: Vec::new(), steps: 0 })
    }

    pub fn config(&self) -> OptimizerConfig {
        self.config
    }

    /// Changes the learning rate, keeping the moments (for schedules).
    pub fn set_lr(&mut self, new_lr: f32) -> Result<()> {
        let mut config = self.config;
        match &mut config {
            OptimizerConfig::Sgd { lr, .. } | OptimizerConfig::Adam { lr, .. } => *lr = new_lr,
        }
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// One update of every parameter tensor from its gradient. An update
    /// that would make a weight infinite or NaN changes nothing (weights,
    /// moments, step count) and returns false.
    pub fn step<'a>(
        &mut self,
        params: impl IntoIterator<Item = &'a mut [f32]>,
        grads: impl IntoIterator<Item = &'a [f32]>,
    ) -> bool {
        let (mut params, grads): (Vec<_>, Vec<_>) = params.into_iter().zip(grads).unzip();
        for w in &params[self.first.len().min(params.len())..] {
            self.first.push(vec![0.0; w.len()]);
            self.second.push(vec![0.0; w.len()]);
        }
        let rule = Rule::of(self.config, self.steps + 1);
        // A first pass only looks, so nothing needs restoring (and no copy of
        // the weights and moments is made each step).
        let finite = params.iter().zip(&grads).zip(self.first.iter().zip(&self.second)).all(|((w, g), (m, v))| {
            w.iter()
                .zip(*g)
                .zip(m.iter().zip(v))
                .fold(true, |ok, ((&w, &g), (&m, &v))| ok & rule.apply(w, g, m, v).0.is_finite())
        });
        if !finite {
            return false;
        }
        self.steps += 1;
        for ((w, g), (m, v)) in params.iter_mut().zip(&grads).zip(self.first.iter_mut().zip(&mut self.second)) {
            for ((w, &g), (m, v)) in w.iter_mut().zip(*g).zip(m.iter_mut().zip(v.iter_mut())) {
                (*w, *m, *v) = rule.apply(*w, g, *m, *v);
            }
        }
        true
    }
}

/// One step's update of one weight, with the learning rate (and for Adam the
/// bias correction) of that step.
#[derive(Clone, Copy)]
enum Rule {
    Sgd { lr: f32, momentum: f32, weight_decay: f32 },
    Adam { alpha: f32, beta1: f32, beta2: f32, eps: f32 },
}

impl Rule {
    fn of(config: OptimizerConfig, t: u32) -> Rule {
        match config {
            OptimizerConfig::Sgd { lr, momentum, weight_decay } => Rule::Sgd { lr, momentum, weight_decay },
            OptimizerConfig::Adam { lr, beta1, beta2, eps } => {
                let t = t as i32;
                let alpha = lr * (1.0 - beta2.powi(t)).sqrt() / (1.0 - beta1.powi(t));
                Rule::Adam { alpha, beta1, beta2, eps }
            }
        }
    }

    /// The new weight and state (SGD's velocity in `m`; `v` unused) from the
    /// weight `w`, its gradient `g` and its state.
    #[inline(always)]
    fn apply(self, w: f32, g: f32, m: f32, v: f32) -> (f32, f32, f32) {
        match self {
            Rule::Sgd { lr, momentum, weight_decay } => {
                let m = momentum * m + g + weight_decay * w;
                (w - lr * m, m, v)
            }
            Rule::Adam { alpha, beta1, beta2, eps } => {
                let m = beta1 * m + (1.0 - beta1) * g;
                let v = beta2 * v + (1.0 - beta2) * g * g;
                (w - alpha * m / (v.sqrt() + eps), m, v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(given: &[(&str, Field)]) -> std::result::Result<OptimizerConfig, String> {
        let keys: Vec<String> = given.iter().map(|(k, _)| k.to_string()).collect();
        let field = |name: &str| given.iter().find(|(k, _)| *k == name).map_or(Field::Missing, |(_, f)| f.clone());
        let kind = match field("kind") {
            Field::Other(json) => serde_json::from_str::<String>(&json).ok(),
            _ => None,
        };
        OptimizerConfig::from_fields(&keys, kind, field)
    }

    #[test]
    fn settings_by_field_take_defaults_and_name_what_does_not_fit() {
        let adam = |json: &str| ("kind", Field::Other(json.into()));
        assert_eq!(settings(&[adam("\"adam\"")]), Ok(OptimizerConfig::adam(adam::LR)));
        let sgd = [adam("\"sgd\""), ("lr", Field::Number(0.5)), ("weightDecay", Field::Number(0.1))];
        assert_eq!(settings(&sgd), Ok(OptimizerConfig::Sgd { lr: 0.5, momentum: 0.0, weight_decay: 0.1 }));
        let err = |given: &[(&str, Field)]| settings(given).unwrap_err();
        assert_eq!(err(&[adam("\"rmsprop\"")]), "kind must be \"adam\" or \"sgd\", got \"rmsprop\"");
        assert_eq!(err(&[]), "kind must be \"adam\" or \"sgd\", got undefined");
        assert_eq!(err(&[adam("\"sgd\"")]), "sgd needs lr");
        let unknown = [adam("\"adam\""), ("learningRate", Field::Number(0.1))];
        assert_eq!(err(&unknown), "unknown field \"learningRate\"; adam takes lr, beta1, beta2, eps");
        assert_eq!(
            err(&[adam("\"adam\""), ("lr", Field::Other("\"0.1\"".into()))]),
            "lr must be a number, got \"0.1\""
        );
    }

    /// Minimizes (w - 3)^2 from w = 0.
    fn minimize(config: OptimizerConfig, steps: usize) -> f32 {
        let mut opt = Optimizer::new(config).unwrap();
        let mut w = [0.0f32];
        for _ in 0..steps {
            let g = [2.0 * (w[0] - 3.0)];
            opt.step([&mut w[..]], [&g[..]]);
        }
        w[0]
    }

    #[test]
    fn both_converge_on_a_quadratic() {
        let sgd = minimize(OptimizerConfig::Sgd { lr: 0.05, momentum: 0.9, weight_decay: 0.0 }, 300);
        assert!((sgd - 3.0).abs() < 1e-3, "sgd ended at {sgd}");
        let adam = minimize(OptimizerConfig::adam(0.05), 2000);
        assert!((adam - 3.0).abs() < 1e-2, "adam ended at {adam}");
    }

    #[test]
    fn first_adam_step_moves_by_lr() {
        // With bias correction, step 1 moves every weight by lr * g / (|g| + eps).
        let mut opt = Optimizer::new(OptimizerConfig::adam(0.01)).unwrap();
        let mut w = [1.0f32, 1.0];
        opt.step([&mut w[..]], [&[4.0f32, -0.5][..]]);
        assert!((w[0] - 0.99).abs() < 1e-6 && (w[1] - 1.01).abs() < 1e-6, "{w:?}");
    }

    #[test]
    fn sgd_weight_decay_and_momentum_follow_pytorch() {
        let mut opt = Optimizer::new(OptimizerConfig::Sgd { lr: 0.1, momentum: 0.5, weight_decay: 0.1 }).unwrap();
        let mut w = [2.0f32];
        opt.step([&mut w[..]], [&[1.0f32][..]]); // v = 1 + 0.2 = 1.2, w = 2 - 0.12
        assert!((w[0] - 1.88).abs() < 1e-6);
        opt.step([&mut w[..]], [&[1.0f32][..]]); // v = 0.6 + 1 + 0.188, w -= 0.1788
        assert!((w[0] - 1.7012).abs() < 1e-5, "{}", w[0]);
    }

    #[test]
    fn an_update_that_would_overflow_changes_nothing() {
        // One run takes a step the weights cannot hold in between two good
        // ones; it must go on exactly as a run that never took it.
        let (mut a, mut b) =
            (Optimizer::new(OptimizerConfig::adam(0.1)).unwrap(), Optimizer::new(OptimizerConfig::adam(0.1)).unwrap());
        let (mut wa, mut wb) = ([f32::MAX, 1.0], [f32::MAX, 1.0]);
        let g = [-1.0f32, 0.5];
        assert!(a.step([&mut wa[..]], [&g[..]]) && b.step([&mut wb[..]], [&g[..]]));
        a.set_lr(1e38).unwrap();
        assert!(!a.step([&mut wa[..]], [&g[..]]), "f32::MAX + 1e38 is infinite");
        assert_eq!(wa.map(f32::to_bits), wb.map(f32::to_bits));
        a.set_lr(0.1).unwrap();
        let g = [0.25f32, -2.0];
        assert!(a.step([&mut wa[..]], [&g[..]]) && b.step([&mut wb[..]], [&g[..]]));
        assert_eq!(wa.map(f32::to_bits), wb.map(f32::to_bits));
    }

    #[test]
    fn refuses_settings_that_cannot_train() {
        for bad in [f32::NAN, 0.0, -1.0, f32::INFINITY] {
            assert!(Optimizer::new(OptimizerConfig::adam(bad)).is_err(), "lr {bad}");
        }
        let mut opt = Optimizer::new(OptimizerConfig::adam(1e-3)).unwrap();
        assert!(opt.set_lr(f32::NAN).is_err());
        assert_eq!(opt.config().lr(), 1e-3);
    }
}
