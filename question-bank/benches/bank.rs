//! Benchmarks for the question bank, each next to a baseline measured in the same run: the
//! machine is shared, so docs/PERFORMANCE.md records ratios to the baselines as well as times.
//!
//! - `import`: `parse_bank` on a generated 100,000-row bureau CSV (UTF-8 and GB18030) against
//!   the `csv` crate alone splitting the same bytes into records.
//! - `assembly`: `assemble` of one 50-question paper from a 10,000-question bank against a
//!   bare partial Fisher–Yates draw of 50 indexes out of 10,000.
//!
//! Run with `cargo bench -p question-bank --bench bank`.

use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::{BytesCount, ItemsCount};
use question_bank::bureau_csv::SourceEncoding;
use question_bank::{
    Bank, Blueprint, Choice, Difficulty, Kind, Question, QuestionFields, assemble, parse_bank,
};

fn main() {
    divan::main();
}

/// Rows in the generated bureau file.
const FILE_ROWS: usize = 100_000;
/// Questions in the bank papers are drawn from.
const BANK_QUESTIONS: usize = 10_000;
/// Questions in one paper: 30 single + 10 multiple + 10 judge.
const PAPER_QUESTIONS: usize = 50;

mod import {
    use super::*;

    /// The whole file takes a sizeable fraction of a second per iteration; 20 samples keep a
    /// run to a few minutes on the 2-core machine and still give a stable median.
    const SAMPLES: u32 = 20;

    #[divan::bench(sample_count = SAMPLES)]
    fn parse_bank_utf8(bencher: Bencher) {
        let bytes = &*UTF8_FILE;
        bencher
            .counter(ItemsCount::new(FILE_ROWS))
            .counter(BytesCount::new(bytes.len()))
            .bench(|| parse_bank(divan::black_box(bytes)));
    }

    #[divan::bench(sample_count = SAMPLES)]
    fn parse_bank_gb18030(bencher: Bencher) {
        let bytes = &*GB18030_FILE;
        bencher
            .counter(ItemsCount::new(FILE_ROWS))
            .counter(BytesCount::new(bytes.len()))
            .bench(|| parse_bank(divan::black_box(bytes)));
    }

    /// The floor under `parse_bank_utf8`: the same CSV reader settings splitting the same
    /// bytes into UTF-8-checked records, with nothing parsed, validated or stored.
    #[divan::bench(sample_count = SAMPLES)]
    fn baseline_csv_records_utf8(bencher: Bencher) {
        let bytes = &*UTF8_FILE;
        bencher
            .counter(ItemsCount::new(FILE_ROWS))
            .counter(BytesCount::new(bytes.len()))
            .bench(|| count_records(divan::black_box(bytes)));
    }

    /// The floor under `parse_bank_gb18030`: decoding the whole file, then the same records.
    #[divan::bench(sample_count = SAMPLES)]
    fn baseline_gb18030_decode_then_csv_records(bencher: Bencher) {
        let bytes = &*GB18030_FILE;
        bencher
            .counter(ItemsCount::new(FILE_ROWS))
            .counter(BytesCount::new(bytes.len()))
            .bench(|| {
                let text = encoding_rs::GB18030
                    .decode_without_bom_handling_and_without_replacement(divan::black_box(bytes))
                    .expect("the generated file is valid GB18030");
                count_records(text.as_bytes())
            });
    }

    /// Not targets: parts of `parse_bank_utf8` timed alone, so docs/PERFORMANCE.md can say
    /// where its time goes.
    mod breakdown {
        use super::*;

        /// Duplicate detection normalizes every stem (`Question::duplicate_key`).
        #[divan::bench(sample_count = SAMPLES)]
        fn normalize_every_stem(bencher: Bencher) {
            let report = parse_bank(&UTF8_FILE).expect("the generated file is readable");
            let stems: Vec<&str> = report.questions.iter().map(|q| q.question.stem()).collect();
            bencher.counter(ItemsCount::new(stems.len())).bench(|| {
                stems
                    .iter()
                    .map(|stem| question_bank::text::normalize_stem(divan::black_box(stem)))
                    .filter(|normalized| !normalized.is_empty())
                    .count()
            });
        }

        /// What dropping the 100,000 imported questions costs; divan drops `parse_bank`'s
        /// report outside the timed region, so `parse_bank_utf8` does not include it.
        #[divan::bench(sample_count = SAMPLES)]
        fn drop_import_report(bencher: Bencher) {
            let bytes = &*UTF8_FILE;
            bencher
                .counter(ItemsCount::new(FILE_ROWS))
                .with_inputs(|| parse_bank(bytes).expect("the generated file is readable"))
                .bench_values(drop);
        }
    }

    /// Data records (the header excluded), read as `parse_bank` reads them.
    fn count_records(bytes: &[u8]) -> usize {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut record = csv::StringRecord::new();
        let mut records = 0;
        while reader
            .read_record(&mut record)
            .expect("the generated file is valid CSV")
        {
            records += 1;
        }
        records - 1
    }

    /// The file in UTF-8 without a BOM, with Excel's CRLF line ends and quotes only where a
    /// cell holds a comma (about one explanation in five).
    static UTF8_FILE: LazyLock<Vec<u8>> = LazyLock::new(|| {
        let bytes = bureau_file(FILE_ROWS);
        assert_imports_completely(&bytes, SourceEncoding::Utf8);
        assert_eq!(count_records(&bytes), FILE_ROWS);
        bytes
    });

    /// The same file as Excel on Chinese Windows saves plain "CSV".
    static GB18030_FILE: LazyLock<Vec<u8>> = LazyLock::new(|| {
        let text = std::str::from_utf8(&UTF8_FILE).expect("the generated file is UTF-8");
        let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
        assert!(!unmappable, "GB18030 encodes every character");
        let bytes = bytes.into_owned();
        assert_imports_completely(&bytes, SourceEncoding::Gb18030);
        bytes
    });

    /// Checked once, outside timing, so the benchmark is known to measure a full, clean import
    /// rather than an early error.
    fn assert_imports_completely(bytes: &[u8], encoding: SourceEncoding) {
        let report = parse_bank(bytes).expect("the generated file is readable");
        assert!(
            report.is_valid(),
            "first errors: {:#?}",
            &report.errors[..report.errors.len().min(5)]
        );
        assert_eq!(report.encoding, encoding);
        assert!(
            report.duplicates.is_empty(),
            "every generated stem is unique"
        );
        assert_eq!(report.questions.len(), FILE_ROWS);
    }

    /// `rows` generated questions under the bureau's header.
    fn bureau_file(rows: usize) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        writer
            .write_record([
                "编号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "法规", "条款",
                "难度", "解析", "标签",
            ])
            .expect("writing to memory");
        let mut rng = SplitMix64(0x00EC_0001);
        for index in 0..rows {
            let fields = generated_question(index, rows, &mut rng);
            writer
                .write_record(bureau_row(&fields))
                .expect("writing to memory");
        }
        writer.into_inner().expect("writing to memory")
    }

    /// A question as a clerk types it into the bureau's 13 columns.
    fn bureau_row(fields: &QuestionFields) -> Vec<String> {
        let kind = fields.kind.expect("generated questions have a kind");
        let mut row = vec![
            fields.external_id.clone().unwrap_or_default(),
            kind.label().trim_end_matches('题').to_owned(),
            fields.stem.clone(),
        ];
        row.extend((0..4).map(|i| fields.options.get(i).cloned().unwrap_or_default()));
        row.push(match kind {
            Kind::Judge if fields.answer == Choice::TRUE => "对".to_owned(),
            Kind::Judge => "错".to_owned(),
            Kind::Single | Kind::Multiple => fields.answer.keys(kind).concat(),
        });
        row.push(format!("《{}》", fields.regulation));
        row.push(fields.article.clone().unwrap_or_default());
        row.push(fields.difficulty.label().to_owned());
        row.push(fields.explanation.clone().unwrap_or_default());
        row.push(fields.tags.join(";"));
        row
    }
}

mod assembly {
    use super::*;

    /// The issue's blueprint: 30 + 10 + 10 questions, a difficulty mix, and one regulation
    /// minimum, which makes assembly run its max-flow placement.
    const WITH_MINIMUM: &str = r#"{
        "sections": [
            { "kind": "single",   "count": 30, "points": 2 },
            { "kind": "multiple", "count": 10, "points": 3, "partial_credit": true },
            { "kind": "judge",    "count": 10, "points": 1 } ],
        "difficulty": { "easy": 0.3, "medium": 0.5, "hard": 0.2 },
        "regulations": { "排污许可管理条例": { "min": 5 } },
        "shuffle_options": true }"#;

    const WITHOUT_MINIMUM: &str = r#"{
        "sections": [
            { "kind": "single",   "count": 30, "points": 2 },
            { "kind": "multiple", "count": 10, "points": 3, "partial_credit": true },
            { "kind": "judge",    "count": 10, "points": 1 } ],
        "difficulty": { "easy": 0.3, "medium": 0.5, "hard": 0.2 },
        "shuffle_options": true }"#;

    static BANK: LazyLock<Bank> = LazyLock::new(|| {
        let mut rng = SplitMix64(0x00EC_0002);
        let questions = (0..BANK_QUESTIONS)
            .map(|index| {
                Question::new(generated_question(index, BANK_QUESTIONS, &mut rng))
                    .expect("generated questions are valid")
            })
            .collect();
        Bank::new(questions)
    });

    #[divan::bench]
    fn assemble_with_regulation_minimum(bencher: Bencher) {
        bench_assembly(bencher, WITH_MINIMUM, Some(("排污许可管理条例", 5)));
    }

    #[divan::bench]
    fn assemble_without_regulation_minimum(bencher: Bencher) {
        bench_assembly(bencher, WITHOUT_MINIMUM, None);
    }

    /// Every iteration draws a new paper (seed 1, 2, 3, …), as the server does for each
    /// participant; the bank and the blueprint are built once, outside timing.
    fn bench_assembly(bencher: Bencher, blueprint: &str, minimum: Option<(&str, usize)>) {
        let bank = &*BANK;
        let blueprint = Blueprint::from_json(blueprint).expect("the blueprint is valid");
        let paper = assemble(bank, &blueprint, 0).expect("the bank satisfies the blueprint");
        assert_eq!(paper.questions.len(), PAPER_QUESTIONS);
        if let Some((regulation, min)) = minimum {
            let from_regulation = paper
                .questions
                .iter()
                .filter(|q| bank.question(q.bank_index).regulation() == regulation)
                .count();
            assert!(
                from_regulation >= min,
                "{from_regulation} from 《{regulation}》"
            );
        }

        let mut seed = 0u64;
        bencher
            .counter(ItemsCount::new(PAPER_QUESTIONS))
            .bench_local(|| {
                seed += 1;
                assemble(bank, &blueprint, divan::black_box(seed))
            });
    }

    /// Not targets: variants of `assemble_with_regulation_minimum` that show where its time
    /// goes.
    mod breakdown {
        use super::*;

        /// The same blueprint with `"shuffle_options": false`, which skips
        /// `Question::options_may_shuffle` for every question of the paper (and the option
        /// shuffles themselves): the difference is what that check costs per paper.
        #[divan::bench]
        fn assemble_without_option_shuffle(bencher: Bencher) {
            let blueprint =
                WITH_MINIMUM.replace(r#""shuffle_options": true"#, r#""shuffle_options": false"#);
            assert!(blueprint.contains(r#""shuffle_options": false"#));
            bench_assembly(bencher, &blueprint, Some(("排污许可管理条例", 5)));
        }
    }

    /// The least any uniform draw of a paper can cost: 50 steps of Fisher–Yates over the
    /// bank's 10,000 indexes, kept permuted between iterations (any order is a valid start),
    /// with a generator far cheaper than ChaCha20, and the 50 indexes copied out.
    #[divan::bench]
    fn baseline_partial_fisher_yates(bencher: Bencher) {
        let mut indexes: Vec<u32> = (0..BANK_QUESTIONS as u32).collect();
        let mut rng = SplitMix64(0x00EC_0003);
        bencher
            .counter(ItemsCount::new(PAPER_QUESTIONS))
            .bench_local(|| {
                partial_fisher_yates(&mut indexes, PAPER_QUESTIONS, &mut rng);
                indexes[..PAPER_QUESTIONS].to_vec()
            });
    }

    /// The same draw from a fresh copy of the 10,000 indexes, as `assemble`'s draw copies the
    /// pools it draws from: the price of that copy, for comparison.
    #[divan::bench]
    fn baseline_copy_then_partial_fisher_yates(bencher: Bencher) {
        let all: Vec<u32> = (0..BANK_QUESTIONS as u32).collect();
        let mut scratch: Vec<u32> = Vec::with_capacity(BANK_QUESTIONS);
        let mut rng = SplitMix64(0x00EC_0004);
        bencher
            .counter(ItemsCount::new(PAPER_QUESTIONS))
            .bench_local(|| {
                scratch.clear();
                scratch.extend_from_slice(divan::black_box(&all));
                partial_fisher_yates(&mut scratch, PAPER_QUESTIONS, &mut rng);
                scratch[..PAPER_QUESTIONS].to_vec()
            });
    }

    /// Moves `wanted` uniformly drawn items to the front of `items`.
    fn partial_fisher_yates(items: &mut [u32], wanted: usize, rng: &mut SplitMix64) {
        for i in 0..wanted {
            let j = i + rng.below(items.len() - i);
            items.swap(i, j);
        }
    }
}

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny generator for test data and the baseline
/// draw. Papers themselves use ChaCha20.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An integer in `0..n` by multiply-shift; its bias, below n / 2^64, does not matter here.
    fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

// The question generator. Stems are `{place}的{subject}{situation}，{ask}（　）。` (or a
// statement for judge questions); every combination of the four lists is a different stem,
// and question `index` takes combination `index × 7919 mod STEMS`, a bijection because 7919
// is prime to STEMS, so no two questions share a stem and neighbouring rows differ.

const PLACES: [&str; 10] = [
    "某市",
    "某县",
    "某工业园区内",
    "某经济开发区内",
    "某流域上游",
    "某自然保护区周边",
    "某乡镇",
    "某沿海港口",
    "某化工园区内",
    "某老城区",
];

const SUBJECTS: [&str; 20] = [
    "重点排污单位",
    "建设单位",
    "排污单位",
    "危险废物经营单位",
    "生产经营者",
    "城镇污水处理厂运营单位",
    "产生工业固体废物的单位",
    "施工单位",
    "机动车维修企业",
    "餐饮服务经营者",
    "医疗机构",
    "化工企业",
    "涉重金属排放企业",
    "规模化畜禽养殖场",
    "生活垃圾焚烧发电厂",
    "钢铁企业",
    "印染企业",
    "加油站经营单位",
    "环境监测机构",
    "造纸企业",
];

const SITUATIONS: [&str; 25] = [
    "在排污许可证有效期届满前",
    "在新建、改建、扩建项目时",
    "在发生突发环境事件后",
    "在安装自动监测设备后",
    "在重污染天气预警期间",
    "在转移危险废物时",
    "在变更排放口位置前",
    "在停产整治期间",
    "在申请排污许可证时",
    "在开展环境影响评价时",
    "在贮存一般工业固体废物时",
    "在委托第三方治理时",
    "在接受现场检查时",
    "在发现监测数据异常时",
    "在夜间进行施工作业前",
    "在拆除污染防治设施前",
    "在项目试生产期间",
    "在排放有毒有害污染物时",
    "在雨季来临之前",
    "在关闭、搬迁之前",
    "在编制应急预案时",
    "在处置废弃包装物时",
    "在开展自行监测时",
    "在扩大生产规模后",
    "在更换主要原辅材料后",
];

/// The question part of single and multiple choice stems.
const ASKS: [&str; 20] = [
    "应当采取的做法是",
    "下列做法符合规定的是",
    "应当在多少日内向主管部门报告",
    "依法应当履行的义务是",
    "下列说法正确的是",
    "应当向哪个部门提出申请",
    "下列行为属于违法行为的是",
    "原始监测记录应当保存",
    "可能承担的法律责任是",
    "依法应当公开的信息是",
    "下列说法错误的是",
    "应当优先采取的措施是",
    "下列材料中需要提交的是",
    "负责监督管理的部门是",
    "应当执行的管理制度是",
    "下列情形中需要重新报批的是",
    "可以免予处罚的情形是",
    "应当如何处理相关废物",
    "应当满足的条件是",
    "下列表述符合法律规定的是",
];

/// The statements of judge stems, right or wrong.
const STATEMENTS: [&str; 20] = [
    "应当依法取得排污许可证后方可排放污染物",
    "可以通过私设暗管的方式排放污染物",
    "应当如实记录污染防治设施的运行情况",
    "可以不经批准自行拆除污染防治设施",
    "应当按照规定公开污染物排放信息",
    "可以将危险废物交给无资质单位处置",
    "应当立即采取措施控制污染并报告",
    "可以篡改自动监测数据以达到排放标准",
    "应当制定突发环境事件应急预案",
    "无需对工业固体废物建立管理台账",
    "应当按规定设置规范化排污口",
    "可以在禁止区域内露天焚烧垃圾",
    "应当依法缴纳环境保护税",
    "可以超过许可排放浓度排放污染物",
    "应当配合生态环境部门的现场检查",
    "无需重新报批环境影响评价文件",
    "应当执行危险废物转移联单制度",
    "可以稀释排放的方式逃避监管",
    "应当保证污染防治设施正常运行",
    "可以拒绝提供排污许可执行报告",
];

const STEMS: usize = PLACES.len() * SUBJECTS.len() * SITUATIONS.len() * ASKS.len();

const OPTIONS: [&str; 24] = [
    "立即停止排放并向主管部门报告",
    "5日",
    "10日",
    "15日",
    "30日",
    "3年",
    "5年",
    "生态环境主管部门",
    "县级以上地方人民政府",
    "如实记录并保存监测数据",
    "委托有资质的单位处置",
    "暂停生产并开展整改",
    "依法公开排放信息",
    "责令改正并处以罚款",
    "责令停产整治",
    "编制突发环境事件应急预案",
    "设置规范化排污口",
    "安装在线监测设备并联网",
    "重新报批环境影响评价文件",
    "申请变更排污许可证",
    "执行转移联单制度",
    "采取防扬散、防流失、防渗漏措施",
    "向社会公开环境信息",
    "建立环境管理台账",
];

const REGULATIONS: [&str; 10] = [
    "中华人民共和国环境保护法",
    "中华人民共和国大气污染防治法",
    "中华人民共和国水污染防治法",
    "中华人民共和国固体废物污染环境防治法",
    "中华人民共和国土壤污染防治法",
    "中华人民共和国噪声污染防治法",
    "中华人民共和国环境影响评价法",
    "排污许可管理条例",
    "建设项目环境保护管理条例",
    "危险废物经营许可证管理办法",
];

/// What the explanation says the subject must do.
const DUTIES: [&str; 10] = [
    "如实申报排放的污染物种类和浓度",
    "保证污染防治设施正常运行",
    "按照规定开展自行监测",
    "执行危险废物转移联单制度",
    "及时报告并采取应急措施",
    "依法公开环境信息",
    "按照许可证规定排放污染物",
    "重新报批环境影响评价文件",
    "建立并保存环境管理台账",
    "落实防渗漏和防扬散措施",
];

const TAGS: [&str; 10] = [
    "大气",
    "水",
    "固废",
    "土壤",
    "噪声",
    "环评",
    "排污许可",
    "危险废物",
    "应急",
    "监测",
];

/// Question `index` of a file or bank of `total`; valid, with a stem no other index shares.
fn generated_question(index: usize, total: usize, rng: &mut SplitMix64) -> QuestionFields {
    assert!(
        total <= STEMS,
        "only {STEMS} distinct stems can be generated"
    );
    let combination = index * 7919 % STEMS;
    let place = PLACES[combination % 10];
    let subject = SUBJECTS[combination / 10 % 20];
    let situation = SITUATIONS[combination / 200 % 25];
    let ask = combination / 5_000 % 20;

    let kind = match rng.below(10) {
        0..=4 => Kind::Single,
        5..=7 => Kind::Multiple,
        _ => Kind::Judge,
    };
    let stem = match kind {
        Kind::Judge => format!("{place}的{subject}{situation}，{}。", STATEMENTS[ask]),
        Kind::Single | Kind::Multiple => {
            format!("{place}的{subject}{situation}，{}（　）。", ASKS[ask])
        }
    };
    // Short combinations get the lead-in many bureau stems start with.
    let stem = if stem.chars().count() < 30 {
        format!("根据有关规定，{stem}")
    } else {
        stem
    };
    let stem_chars = stem.chars().count();
    assert!(
        (30..=60).contains(&stem_chars),
        "{stem_chars} characters: {stem}"
    );

    let (options, answer) = match kind {
        Kind::Judge => (
            Vec::new(),
            if rng.below(2) == 0 {
                Choice::TRUE
            } else {
                Choice::FALSE
            },
        ),
        Kind::Single => (four_options(rng), Choice::only(rng.below(4))),
        Kind::Multiple => {
            // Two to four correct options: any 4-bit set with at least two bits.
            let sets: Vec<u8> = (0u8..16).filter(|bits| bits.count_ones() >= 2).collect();
            (
                four_options(rng),
                Choice::from_bits(sets[rng.below(sets.len())]),
            )
        }
    };
    let regulation = REGULATIONS[rng.below(REGULATIONS.len())];
    let article = format!("第{}条", chinese_number(1 + rng.below(120)));
    let difficulty = match rng.below(10) {
        0..=2 => Difficulty::Easy,
        3..=7 => Difficulty::Medium,
        _ => Difficulty::Hard,
    };
    // About one explanation in five has an ASCII comma, so the file has quoted cells too.
    let comma = if rng.below(5) == 0 { "," } else { "，" };
    let explanation = format!(
        "依据《{regulation}》{article}{comma}{subject}应当{}。",
        DUTIES[rng.below(DUTIES.len())]
    );
    let mut tags = vec![TAGS[rng.below(TAGS.len())].to_owned()];
    if rng.below(2) == 0 {
        let second = TAGS[rng.below(TAGS.len())];
        if second != tags[0] {
            tags.push(second.to_owned());
        }
    }
    QuestionFields {
        external_id: Some(format!("HB-{:06}", index + 1)),
        kind: Some(kind),
        stem,
        options,
        answer,
        regulation: regulation.to_owned(),
        article: Some(article),
        difficulty,
        explanation: Some(explanation),
        tags,
    }
}

/// Four different option texts.
fn four_options(rng: &mut SplitMix64) -> Vec<String> {
    let mut pool: Vec<&str> = OPTIONS.to_vec();
    (0..4)
        .map(|i| {
            let j = i + rng.below(pool.len() - i);
            pool.swap(i, j);
            pool[i].to_owned()
        })
        .collect()
}

/// 1 → 一, 18 → 十八, 45 → 四十五, 120 → 一百二十, as article numbers are written.
fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    assert!((1..1000).contains(&n), "article numbers run from 1 to 999");
    let (hundreds, tens, ones) = (n / 100, n / 10 % 10, n % 10);
    let mut text = String::new();
    if hundreds > 0 {
        text.push_str(DIGITS[hundreds]);
        text.push('百');
    }
    match tens {
        0 if hundreds > 0 && ones > 0 => text.push('零'),
        0 => {}
        1 if hundreds == 0 => text.push('十'),
        t => {
            text.push_str(DIGITS[t]);
            text.push('十');
        }
    }
    if ones > 0 {
        text.push_str(DIGITS[ones]);
    }
    text
}
