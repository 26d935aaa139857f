//! The job queue across nodes: two workers on separate connection pools share the due jobs, and
//! no job runs twice.

use broadsheet::articles::service::{self as articles, Status};

use crate::db_tests;
use crate::support::START;
use crate::support::builders::{article, newsroom, publish};

db_tests! {
    async fn each_job_runs_on_exactly_one_worker(app) {
        let n = newsroom(app).await;
        for i in 0..12 {
            let mut input = article(&n, &format!("Scheduled {i}"));
            input.status = Status::Scheduled;
            input.published_at = Some(START.plus_seconds(60 + i));
            publish(app, input).await;
        }
        app.clock.advance_seconds(120);
        let other_node = broadsheet::db::connect(&app.url, 4).await.unwrap();
        let here = app.state.mail_room();
        let there = broadsheet::mail::MailRoom { db: other_node.clone(), ..here.clone() };
        let (a, b) = tokio::join!(
            broadsheet::jobs::run_due(&here, "node-a"),
            broadsheet::jobs::run_due(&there, "node-b"),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a + b, 12, "every job ran exactly once (node a ran {a}, node b ran {b})");
        other_node.close().await;
        assert_eq!(broadsheet::jobs::pending(&app.db, "publish_article").await.unwrap(), 0);
        let published = articles::admin_list(&app.db, &articles::AdminFilter { status: Some("published".into()), ..Default::default() }, 1, 50).await.unwrap();
        assert_eq!(published.total, 12);
    }
}
