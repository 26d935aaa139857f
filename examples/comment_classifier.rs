//! Measures the local spam classifier: trains it on one generated, labelled set of comments
//! (as moderators' decisions would) and scores another, printing precision and recall at the
//! default hold and spam thresholds. `bench/comments.sh` runs it.

use broadsheet::comments::policy::Policy;
use broadsheet::comments::spam::{self, Model};
use broadsheet::demo::comments::labelled;

fn main() {
    let training = labelled(1, 400);
    let testing = labelled(2, 600);
    let mut model = Model::default();
    for c in &training {
        model.learn(&c.features(), c.spam);
    }
    let test: Vec<(Vec<String>, bool)> = testing.iter().map(|c| (c.features(), c.spam)).collect();
    let policy = Policy::default();
    println!(
        "classifier: trained on {} comments, measured on {} ({} spam)",
        training.len(),
        test.len(),
        test.iter().filter(|(_, s)| *s).count()
    );
    for (label, percent) in [("hold", policy.hold_score), ("spam", policy.spam_score)] {
        let m = spam::measure(&model, &test, percent);
        println!(
            "at the {label} threshold ({percent}%): precision {:.3}, recall {:.3} \
             (tp {}, fp {}, fn {}, tn {})",
            m.precision(),
            m.recall(),
            m.true_positives,
            m.false_positives,
            m.false_negatives,
            m.true_negatives
        );
    }
}
