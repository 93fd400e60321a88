//! Training and evaluation sets of MNIST and generated samples.
//!
//! A training epoch is every MNIST training digit once plus, if asked,
//! freshly generated samples (new ones every epoch, from the run's seed):
//! MNIST digits redrawn with a round pen, stroke-program digits and
//! non-digits, shuffled together.

use crate::data::Dataset;
use crate::model::Network;
use crate::preprocess::SIDE;
use crate::recipe::Generated;

use super::{Generator, Part, NOT_A_DIGIT};

/// What `lenet train --handwriting` adds to every epoch: MNIST digits
/// redrawn, stroke-program digits and non-digits, in [`Mix::HANDWRITING`]'s
/// proportions.
#[derive(Debug, Default)]
pub struct Handwriting {
    generator: Generator,
}

impl Generated for Handwriting {
    fn mix(&self, train_len: usize) -> Mix {
        Mix::HANDWRITING.scaled(train_len)
    }

    fn render(&self, item: Item, seed: u64, train: &Dataset, out: &mut [f32]) {
        item.render(&self.generator, seed, train, out);
    }

    fn unfit_for(&self, net: &Network) -> Option<String> {
        (!(net.spec().reject && net.num_classes() == 11)).then(|| {
            format!(
                "generated handwriting teaches a reject output (\"not a digit\"), so the network needs 11 outputs and \"reject\": true, as lenet5-reject has; this one has {} outputs{}",
                net.num_classes(),
                if net.spec().reject { "" } else { " and no reject output" }
            )
        })
    }
}

/// How many generated samples of each kind an epoch adds to MNIST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub restroked: usize,
    pub strokes: usize,
    pub negatives: usize,
}

/// One sample of an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// MNIST training digit i, as scanned.
    Mnist(usize),
    /// MNIST training digit i, redrawn.
    Restroked(usize),
    /// A stroke-program digit with this label.
    Strokes(u8),
    Negative,
}

impl Mix {
    /// MNIST alone.
    pub const NONE: Mix = Mix { restroked: 0, strokes: 0, negatives: 0 };
    /// What `lenet train --handwriting` adds to MNIST's 60,000 each epoch
    /// (see [`Mix::scaled`] for fewer).
    pub const HANDWRITING: Mix = Mix { restroked: 30_000, strokes: 30_000, negatives: 35_000 };

    /// This mix for a training set of `mnist` digits instead of 60,000: the
    /// same share of generated samples (a run on part of MNIST stays quick).
    pub fn scaled(self, mnist: usize) -> Mix {
        let scale = |n: usize| (n as u64 * mnist as u64 / 60_000) as usize;
        Mix { restroked: scale(self.restroked), strokes: scale(self.strokes), negatives: scale(self.negatives) }
    }

    pub fn has_negatives(&self) -> bool {
        self.negatives > 0
    }

    /// One epoch's items, shuffled.
    pub fn epoch(&self, rng: &mut fastrand::Rng, mnist: usize) -> Vec<Item> {
        let mut items: Vec<Item> = (0..mnist).map(Item::Mnist).collect();
        if mnist > 0 {
            items.extend((0..self.restroked).map(|_| Item::Restroked(rng.usize(..mnist))));
        }
        items.extend((0..self.strokes).map(|_| Item::Strokes(rng.u8(0..10))));
        items.extend((0..self.negatives).map(|_| Item::Negative));
        rng.shuffle(&mut items);
        items
    }
}

impl Item {
    pub fn label(self, mnist: &Dataset) -> u8 {
        match self {
            Item::Mnist(i) | Item::Restroked(i) => mnist.labels[i],
            Item::Strokes(label) => label,
            Item::Negative => NOT_A_DIGIT,
        }
    }

    /// Writes the item's SIDE x SIDE input into `out`; `seed` makes the
    /// generated ones.
    pub fn render(self, g: &Generator, seed: u64, mnist: &Dataset, out: &mut [f32]) {
        match self {
            Item::Mnist(i) => mnist.write_input(i, SIDE, out),
            Item::Restroked(i) => out.copy_from_slice(&g.restroked(seed, Part::Training, mnist.image(i))),
            Item::Strokes(label) => out.copy_from_slice(&g.digit(label, seed, Part::Training)),
            Item::Negative => out.copy_from_slice(&g.negative(seed, Part::Training)),
        }
    }
}

/// The evaluation sets, generated from held-out templates and seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalSet {
    /// Stroke-program digits, `count` of them, labels in turn 0, 1, ..., 9.
    Strokes,
    /// MNIST's test digits redrawn with a round pen (at most 10,000).
    Restroked,
    /// Drawings that are not digits.
    Negatives,
}

impl EvalSet {
    pub const ALL: [EvalSet; 3] = [EvalSet::Strokes, EvalSet::Restroked, EvalSet::Negatives];

    pub fn name(self) -> &'static str {
        match self {
            EvalSet::Strokes => "strokes",
            EvalSet::Restroked => "restroked",
            EvalSet::Negatives => "negatives",
        }
    }

    /// `count` samples; `mnist_test` is MNIST's test split (read only by the
    /// redrawn set, whose count it caps).
    pub fn make(self, g: &Generator, count: usize, mnist_test: &Dataset) -> Drawn {
        let count = if self == EvalSet::Restroked { count.min(mnist_test.len()) } else { count };
        let mut drawn = Drawn {
            inputs: Vec::with_capacity(count * SIDE * SIDE),
            labels: Vec::with_capacity(count),
            kinds: Vec::new(),
        };
        for i in 0..count {
            let seed = i as u64;
            let (input, label) = match self {
                EvalSet::Strokes => (g.digit((i % 10) as u8, seed, Part::Evaluation), (i % 10) as u8),
                EvalSet::Restroked => (g.restroked(seed, Part::Evaluation, mnist_test.image(i)), mnist_test.labels[i]),
                EvalSet::Negatives => {
                    let (input, kind) = g.negative_named(seed, Part::Evaluation);
                    drawn.kinds.push(kind);
                    (input, NOT_A_DIGIT)
                }
            };
            drawn.inputs.extend_from_slice(&input);
            drawn.labels.push(label);
        }
        drawn
    }
}

/// An evaluation set.
pub struct Drawn {
    /// The inputs, end to end (1 x 32 x 32 each).
    pub inputs: Vec<f32>,
    pub labels: Vec<u8>,
    /// What each non-digit is ([`Generator::negative_named`]); empty for digits.
    pub kinds: Vec<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_holds_every_mnist_digit_once_and_the_generated_counts() {
        let mix = Mix { restroked: 7, strokes: 5, negatives: 3 };
        let items = mix.epoch(&mut fastrand::Rng::with_seed(1), 20);
        assert_eq!(items.len(), 35);
        let mut seen: Vec<usize> =
            items.iter().filter_map(|i| if let Item::Mnist(k) = i { Some(*k) } else { None }).collect();
        seen.sort();
        assert_eq!(seen, (0..20).collect::<Vec<_>>());
        let count = |f: fn(&Item) -> bool| items.iter().filter(|i| f(i)).count();
        assert_eq!(count(|i| matches!(i, Item::Restroked(k) if *k < 20)), 7);
        assert_eq!(count(|i| matches!(i, Item::Strokes(l) if *l < 10)), 5);
        assert_eq!(count(|i| matches!(i, Item::Negative)), 3);
        assert!(items[..20].iter().any(|i| !matches!(i, Item::Mnist(_))), "shuffled");
    }
}
