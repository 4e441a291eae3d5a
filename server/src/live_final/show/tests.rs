//! The show's rules, one behaviour a test: every transition, every forbidden one, and the
//! undo of each scoring step.

use super::*;

const T0: Millis = 1_780_000_000_000;

fn question(answer: Choice) -> FinalQuestion {
    FinalQuestion {
        question_id: 1,
        version: 1,
        kind: Kind::Single,
        stem: "排污许可证的有效期为几年?".into(),
        options: vec!["3 年".into(), "5 年".into(), "10 年".into()],
        answer: answer.bits(),
        explanation: Some("《排污许可管理条例》第十四条".into()),
    }
}

fn round(kind: RoundKind, questions: usize) -> Round {
    Round {
        kind,
        title: kind.label().into(),
        seconds: 20,
        points: 10,
        penalty: 5,
        answer_seconds: 10,
        stakes: if kind == RoundKind::Risk {
            vec![10, 20, 30]
        } else {
            Vec::new()
        },
        questions: (0..questions).map(|_| question(Choice::only(1))).collect(),
    }
}

fn show(rounds: Vec<Round>) -> Show {
    Show::new(Plan {
        base_score: 100,
        early_buzz_penalty: 0,
        seats: (1..=3)
            .map(|n| Seat {
                name: format!("选手{n}"),
                company: None,
            })
            .collect(),
        rounds,
    })
}

fn keys(k: &str) -> Vec<String> {
    vec![k.to_owned()]
}

/// Acts and returns the show, panicking on a refusal.
fn acted(mut show: Show, actions: &[Action]) -> Show {
    for action in actions {
        show.act(action, T0)
            .unwrap_or_else(|e| panic!("{action:?} refused: {e}"));
    }
    show
}

#[test]
fn a_required_question_goes_from_the_lobby_through_every_phase_to_the_finish() {
    let mut s = show(vec![round(RoundKind::Required, 1)]);
    assert_eq!(s.phase, Phase::Lobby);
    assert_eq!(s.next_action(), Some("start"));
    let mut seen = vec![s.phase];
    for action in [
        Action::Start,
        Action::Open,
        Action::Close,
        Action::Reveal,
        Action::Scoreboard,
        Action::Next,
    ] {
        let seq = s.seq;
        s.act(&action, T0).unwrap();
        assert_eq!(s.seq, seq + 1, "{action:?} is a transition");
        seen.push(s.phase);
    }
    assert_eq!(
        seen,
        [
            Phase::Lobby,
            Phase::Question,
            Phase::Open,
            Phase::Closed,
            Phase::Revealed,
            Phase::Scoreboard,
            Phase::Finished,
        ]
    );
    assert_eq!(s.next_action(), None);
}

#[test]
fn the_next_step_button_always_names_the_obvious_action() {
    let mut s = show(vec![
        round(RoundKind::Risk, 1),
        round(RoundKind::Required, 1),
    ]);
    let mut names = Vec::new();
    while let Some(name) = s.next_action() {
        names.push(name);
        let action = Action::without_arguments(name).expect("the button names an action");
        s.act(&action, T0).unwrap();
    }
    assert_eq!(
        names,
        [
            "start",
            "show",
            "open",
            "close",
            "reveal",
            "scoreboard",
            "next",
            "open",
            "close",
            "reveal",
            "scoreboard",
            "finish"
        ]
    );
}

#[test]
fn every_action_the_phase_forbids_is_refused_and_changes_nothing() {
    let everything = [
        Action::Start,
        Action::Show,
        Action::Open,
        Action::Close,
        Action::Reveal,
        Action::Scoreboard,
        Action::Next,
        Action::Pause,
        Action::Resume,
        Action::Rearm,
        Action::Judge {
            seat: 1,
            correct: true,
        },
        Action::Finish,
    ];
    // What each phase allows of the actions above (a 必答 round; `undo` and `adjust` below).
    let allowed: &[(Phase, &[&str])] = &[
        (Phase::Lobby, &["start", "finish"]),
        (Phase::Question, &["open", "finish"]),
        (Phase::Open, &["close", "pause", "finish"]),
        (Phase::Closed, &["reveal", "judge", "finish"]),
        (Phase::Revealed, &["scoreboard", "next", "judge", "finish"]),
        (Phase::Scoreboard, &["next", "judge", "finish"]),
        (Phase::Finished, &[]),
    ];
    let reach: &[(Phase, &[Action])] = &[
        (Phase::Lobby, &[]),
        (Phase::Question, &[Action::Start]),
        (Phase::Open, &[Action::Start, Action::Open]),
        (Phase::Closed, &[Action::Start, Action::Open, Action::Close]),
        (
            Phase::Revealed,
            &[Action::Start, Action::Open, Action::Close, Action::Reveal],
        ),
        (
            Phase::Scoreboard,
            &[
                Action::Start,
                Action::Open,
                Action::Close,
                Action::Reveal,
                Action::Scoreboard,
            ],
        ),
        (Phase::Finished, &[Action::Finish]),
    ];
    for ((phase, path), (same_phase, ok)) in reach.iter().zip(allowed) {
        assert_eq!(phase, same_phase);
        let start = acted(show(vec![round(RoundKind::Required, 2)]), path);
        assert_eq!(start.phase, *phase);
        for action in &everything {
            let mut s = start.clone();
            let result = s.act(action, T0);
            if ok.contains(&action.name()) {
                assert!(
                    result.is_ok(),
                    "{phase:?} should allow {action:?}: {result:?}"
                );
            } else {
                assert!(result.is_err(), "{phase:?} should refuse {action:?}");
                assert_eq!(
                    s, start,
                    "a refused {action:?} in {phase:?} changed the show"
                );
            }
        }
    }
}

#[test]
fn a_refusal_names_the_phase_in_chinese() {
    let mut s = show(vec![round(RoundKind::Required, 1)]);
    let error = s.act(&Action::Reveal, T0).unwrap_err();
    assert_eq!(
        error.to_string(),
        "当前阶段(等待开始)不能执行此操作:公布答案"
    );
}

#[test]
fn required_right_answers_earn_points_and_wrong_or_missing_ones_cost_the_penalty() {
    let mut s = acted(
        show(vec![round(RoundKind::Required, 1)]),
        &[Action::Start, Action::Open],
    );
    let seq = s.seq;
    s.answer(1, seq, &keys("B"), T0 + 1_000).unwrap();
    s.answer(2, seq, &keys("a"), T0 + 2_000).unwrap();
    assert_eq!(s.seq, seq, "an answer is a counter, not a transition");
    let s = acted(s, &[Action::Close, Action::Reveal]);
    assert_eq!(s.scores, [110, 95, 95]);
    let results = s.play.results.as_ref().unwrap();
    assert_eq!(results.len(), 3);
    assert!(results[0].correct && !results[1].correct && results[2].choice.is_none());
}

#[test]
fn the_last_required_answer_closes_the_question_by_itself() {
    let mut s = acted(
        show(vec![round(RoundKind::Required, 1)]),
        &[Action::Start, Action::Open],
    );
    let seq = s.seq;
    for seat in 1..=3 {
        s.answer(seat, seq, &keys("B"), T0 + 500).unwrap();
    }
    assert_eq!(s.phase, Phase::Closed);
    assert_eq!(s.seq, seq + 1);
}

#[test]
fn a_seat_answers_once_in_time_in_its_phase_and_for_this_question() {
    let mut s = acted(show(vec![round(RoundKind::Required, 2)]), &[Action::Start]);
    let seq = s.seq;
    assert!(matches!(
        s.answer(1, seq, &keys("B"), T0),
        Err(ShowError::Phase { .. })
    ));
    s.act(&Action::Open, T0).unwrap();
    s.answer(1, seq, &keys("B"), T0 + 100).unwrap();
    assert_eq!(
        s.answer(1, seq, &keys("C"), T0 + 200),
        Err(ShowError::AlreadyAnswered)
    );
    assert_eq!(
        s.answer(2, seq, &keys("B"), T0 + 20_000),
        Err(ShowError::TooLate)
    );
    assert_eq!(
        s.answer(2, seq - 1, &keys("B"), T0 + 300),
        Err(ShowError::StaleSeq)
    );
    assert_eq!(
        s.answer(2, seq + 5, &keys("B"), T0 + 300),
        Err(ShowError::StaleSeq)
    );
    assert!(matches!(
        s.answer(2, seq, &keys("Z"), T0 + 300),
        Err(ShowError::InvalidChoice(_))
    ));
    assert!(matches!(
        s.answer(2, seq, &["A".into(), "B".into()], T0 + 300),
        Err(ShowError::InvalidChoice(_))
    ));
    assert_eq!(
        s.answer(9, seq, &keys("B"), T0 + 300),
        Err(ShowError::NoSuchSeat(9))
    );
    // Moving to the next question: an answer naming the earlier one is stale.
    let mut s = acted(
        s,
        &[Action::Close, Action::Reveal, Action::Next, Action::Open],
    );
    assert_eq!(
        s.answer(2, seq, &keys("B"), T0 + 300),
        Err(ShowError::StaleSeq)
    );
}

#[test]
fn the_countdown_closes_the_question_at_its_deadline_and_not_before() {
    let mut s = acted(
        show(vec![round(RoundKind::Required, 1)]),
        &[Action::Start, Action::Open],
    );
    assert_eq!(s.deadline, Some(T0 + 20_000));
    assert!(!s.expire(T0 + 19_999));
    assert_eq!(s.phase, Phase::Open);
    assert!(s.expire(T0 + 20_000));
    assert_eq!(s.phase, Phase::Closed);
    assert!(
        !s.expire(T0 + 30_000),
        "a closed question does not close twice"
    );
}

#[test]
fn a_pause_stops_the_countdown_and_a_resume_keeps_the_time_that_was_left() {
    let mut s = acted(
        show(vec![round(RoundKind::Required, 1)]),
        &[Action::Start, Action::Open],
    );
    s.act(&Action::Pause, T0 + 5_000).unwrap();
    assert_eq!(s.next_action(), Some("resume"));
    assert!(!s.expire(T0 + 60_000), "no deadline while paused");
    let seq = s.seq;
    assert_eq!(
        s.answer(1, seq, &keys("B"), T0 + 6_000),
        Err(ShowError::Paused)
    );
    assert_eq!(s.act(&Action::Pause, T0 + 6_000), Err(ShowError::Paused));
    s.act(&Action::Resume, T0 + 100_000).unwrap();
    assert_eq!(s.deadline, Some(T0 + 115_000));
    assert!(matches!(
        s.act(&Action::Resume, T0),
        Err(ShowError::Phase { .. })
    ));
}

fn buzz_show() -> Show {
    acted(show(vec![round(RoundKind::Buzz, 1)]), &[Action::Start])
}

#[test]
fn the_first_accepted_buzz_wins_and_later_ones_join_the_order() {
    let mut s = buzz_show();
    let seq = s.seq;
    assert_eq!(s.buzz(1, seq, T0), Err(ShowError::TooEarly));
    assert_eq!(
        s.scores,
        [100, 100, 100],
        "no early-buzz penalty unless the final sets one"
    );
    s.act(&Action::Open, T0).unwrap();
    let first = s.buzz(2, seq, T0 + 431).unwrap();
    assert!(first.won);
    assert_eq!(s.phase, Phase::Answering);
    assert_eq!(s.deadline, Some(T0 + 431 + 10_000));
    let second = s.buzz(3, seq, T0 + 432).unwrap();
    assert!(!second.won);
    assert_eq!(
        second.order,
        [Buzz { seat: 1, ms: 431 }, Buzz { seat: 2, ms: 432 }]
    );
    assert_eq!(s.buzz(2, seq, T0 + 500), Err(ShowError::AlreadyBuzzed));
    assert_eq!(
        s.answer(3, seq, &keys("B"), T0 + 600),
        Err(ShowError::NotYourTurn)
    );
    s.answer(2, seq, &keys("B"), T0 + 2_000).unwrap();
    assert_eq!(
        s.phase,
        Phase::Closed,
        "the winner's answer closes the question"
    );
    let s = acted(s, &[Action::Reveal]);
    assert_eq!(s.scores, [100, 110, 100], "only the winner is scored");
}

#[test]
fn of_many_buzzes_in_one_millisecond_exactly_one_wins() {
    let mut s = acted(buzz_show(), &[Action::Open]);
    let seq = s.seq;
    let outcomes: Vec<bool> = (1..=3)
        .map(|seat| s.buzz(seat, seq, T0 + 7).unwrap().won)
        .collect();
    assert_eq!(outcomes, [true, false, false]);
}

#[test]
fn an_early_buzz_costs_the_finals_penalty_and_can_be_undone() {
    let mut s = buzz_show();
    s.plan.early_buzz_penalty = 3;
    let seq = s.seq;
    assert_eq!(s.buzz(1, seq, T0), Err(ShowError::TooEarly));
    assert_eq!(s.scores[0], 97);
    assert_eq!(s.seq, seq + 1, "a penalty is a transition");
    s.act(&Action::Undo, T0).unwrap();
    assert_eq!(s.scores[0], 100);
}

#[test]
fn a_rearm_lets_the_seats_that_have_not_buzzed_try_and_scores_every_winner() {
    let mut s = acted(buzz_show(), &[Action::Open]);
    let seq = s.seq;
    s.buzz(1, seq, T0 + 100).unwrap();
    s.answer(1, seq, &keys("A"), T0 + 1_000).unwrap();
    assert_eq!(s.phase, Phase::Closed);
    s.act(&Action::Rearm, T0 + 2_000).unwrap();
    assert_eq!(s.phase, Phase::Open);
    assert_eq!(s.buzz(1, seq, T0 + 2_100), Err(ShowError::AlreadyBuzzed));
    let won = s.buzz(3, seq, T0 + 2_250).unwrap();
    assert!(won.won);
    assert_eq!(
        won.order.last(),
        Some(&Buzz { seat: 2, ms: 250 }),
        "ms counts from the re-arm"
    );
    s.answer(3, seq, &keys("B"), T0 + 3_000).unwrap();
    let s = acted(s, &[Action::Reveal]);
    assert_eq!(s.scores, [95, 100, 110]);
}

#[test]
fn a_rearm_is_refused_once_every_seat_has_buzzed_or_on_other_rounds() {
    let mut s = acted(buzz_show(), &[Action::Open]);
    let seq = s.seq;
    for seat in 1..=3 {
        s.buzz(seat, seq, T0 + 10).unwrap();
    }
    s.act(&Action::Close, T0).unwrap();
    assert!(matches!(
        s.act(&Action::Rearm, T0),
        Err(ShowError::InvalidAction(_))
    ));
    let mut required = acted(
        show(vec![round(RoundKind::Required, 1)]),
        &[Action::Start, Action::Open, Action::Close],
    );
    assert!(matches!(
        required.act(&Action::Rearm, T0),
        Err(ShowError::Phase { .. })
    ));
}

#[test]
fn a_silent_buzz_winner_loses_the_penalty_when_the_countdown_ends() {
    let mut s = acted(buzz_show(), &[Action::Open]);
    let seq = s.seq;
    s.buzz(2, seq, T0 + 100).unwrap();
    assert!(s.expire(T0 + 100 + 10_000));
    let s = acted(s, &[Action::Reveal]);
    assert_eq!(s.scores, [100, 95, 100]);
}

#[test]
fn the_host_judges_an_oral_answer_and_that_closes_the_buzz_question() {
    let mut s = acted(buzz_show(), &[Action::Open]);
    let seq = s.seq;
    s.buzz(3, seq, T0 + 100).unwrap();
    assert!(matches!(
        s.act(
            &Action::Judge {
                seat: 1,
                correct: true
            },
            T0
        ),
        Err(ShowError::InvalidAction(_))
    ));
    s.act(
        &Action::Judge {
            seat: 3,
            correct: true,
        },
        T0,
    )
    .unwrap();
    assert_eq!(s.phase, Phase::Closed);
    let s = acted(s, &[Action::Reveal]);
    assert_eq!(s.scores, [100, 100, 110]);
}

#[test]
fn risk_stakes_are_picked_before_the_question_and_won_or_lost_whole() {
    let mut s = acted(show(vec![round(RoundKind::Risk, 1)]), &[Action::Start]);
    assert_eq!(s.phase, Phase::Stakes);
    let seq = s.seq;
    s.stake(1, seq, 30).unwrap();
    s.stake(2, seq, 10).unwrap();
    s.stake(2, seq, 20).unwrap();
    assert_eq!(s.stake(3, seq, 25), Err(ShowError::StakeNotOffered(25)));
    s.act(&Action::Show, T0).unwrap();
    assert_eq!(
        s.play.stakes[&2], 10,
        "a seat that picked none plays the smallest"
    );
    assert!(matches!(s.stake(3, seq, 30), Err(ShowError::Phase { .. })));
    s.act(&Action::Open, T0).unwrap();
    s.answer(1, seq, &keys("B"), T0 + 1).unwrap();
    s.answer(2, seq, &keys("C"), T0 + 2).unwrap();
    assert_eq!(s.phase, Phase::Open);
    let s = acted(s, &[Action::Close, Action::Reveal]);
    assert_eq!(s.scores, [130, 80, 90]);
}

#[test]
fn undo_reverts_a_reveal_back_to_closed_with_the_scores_before() {
    let mut s = acted(
        show(vec![round(RoundKind::Required, 2)]),
        &[Action::Start, Action::Open],
    );
    let seq = s.seq;
    s.answer(1, seq, &keys("B"), T0).unwrap();
    let closed = acted(s, &[Action::Close]);
    let mut s = acted(closed.clone(), &[Action::Reveal, Action::Scoreboard]);
    s.act(&Action::Undo, T0).unwrap();
    assert_eq!(s.phase, Phase::Closed);
    assert_eq!(s.scores, closed.scores);
    assert!(s.play.results.is_none());
    assert_eq!(s.act(&Action::Undo, T0), Err(ShowError::NothingToUndo));
}

#[test]
fn a_reveal_of_an_earlier_question_cannot_be_undone() {
    let mut s = acted(
        show(vec![round(RoundKind::Required, 2)]),
        &[
            Action::Start,
            Action::Open,
            Action::Close,
            Action::Reveal,
            Action::Next,
        ],
    );
    let before = s.clone();
    assert!(matches!(
        s.act(&Action::Undo, T0),
        Err(ShowError::InvalidAction(_))
    ));
    assert_eq!(s, before);
}

#[test]
fn a_judge_after_the_reveal_corrects_the_score_and_undo_takes_it_back() {
    let mut s = acted(
        show(vec![round(RoundKind::Required, 1)]),
        &[Action::Start, Action::Open],
    );
    let seq = s.seq;
    s.answer(1, seq, &keys("A"), T0).unwrap();
    let mut s = acted(s, &[Action::Close, Action::Reveal]);
    assert_eq!(s.scores[0], 95);
    s.act(
        &Action::Judge {
            seat: 1,
            correct: true,
        },
        T0,
    )
    .unwrap();
    assert_eq!(s.scores[0], 110);
    assert!(s.play.results.as_ref().unwrap()[0].correct);
    s.act(&Action::Undo, T0).unwrap();
    assert_eq!(s.scores[0], 95);
    assert!(!s.play.results.as_ref().unwrap()[0].correct);
}

#[test]
fn an_adjustment_needs_a_reason_and_a_nonzero_whole_delta_and_can_be_undone() {
    let mut s = acted(show(vec![round(RoundKind::Required, 1)]), &[Action::Start]);
    let adjust = |delta, reason: &str| Action::Adjust {
        seat: 2,
        delta,
        reason: reason.into(),
    };
    assert!(matches!(
        s.act(&adjust(5, "  "), T0),
        Err(ShowError::InvalidAdjustment {
            field: "reason",
            ..
        })
    ));
    assert!(matches!(
        s.act(&adjust(0, "补分"), T0),
        Err(ShowError::InvalidAdjustment { field: "delta", .. })
    ));
    assert!(matches!(
        s.act(
            &Action::Adjust {
                seat: 7,
                delta: 5,
                reason: "补分".into()
            },
            T0
        ),
        Err(ShowError::NoSuchSeat(7))
    ));
    s.act(&adjust(-15, "违规提示"), T0).unwrap();
    assert_eq!(s.scores[1], 85);
    s.act(&Action::Undo, T0).unwrap();
    assert_eq!(s.scores[1], 100);
}

#[test]
fn the_audience_answers_within_the_questions_countdown_and_earns_a_speed_bonus() {
    let mut s = acted(show(vec![round(RoundKind::Required, 1)]), &[Action::Start]);
    let seq = s.seq;
    assert!(
        s.audience_may_answer(seq, T0).is_err(),
        "not before the countdown"
    );
    s.act(&Action::Open, T0).unwrap();
    assert!(s.audience_may_answer(seq, T0 + 1).is_ok());
    assert_eq!(
        s.audience_may_answer(seq, T0 + 20_000),
        Err(ShowError::TooLate)
    );
    let r = round(RoundKind::Required, 1);
    assert_eq!(audience_points(&r, true, T0, T0), 15);
    assert_eq!(audience_points(&r, true, T0, T0 + 10_000), 12);
    assert_eq!(audience_points(&r, true, T0, T0 + 20_000), 10);
    assert_eq!(audience_points(&r, false, T0, T0), 0);
}

#[test]
fn a_show_survives_a_round_trip_through_its_stored_json() {
    let mut s = acted(buzz_show(), &[Action::Open]);
    let seq = s.seq;
    s.buzz(2, seq, T0 + 5).unwrap();
    let stored = serde_json::to_string(&s).unwrap();
    let restored: Show = serde_json::from_str(&stored).unwrap();
    assert_eq!(restored, s);
}
