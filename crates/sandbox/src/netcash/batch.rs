//! The simulator's reading of an uploaded H/K/T/F batch file and the load report it writes
//! (netcash-niws.md, "Batch file" and "Load report").

use chrono::{NaiveDate, NaiveDateTime};
use pocket_domain::BusinessCalendar;

/// One transaction line that passed validation.
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub(crate) account_reference: String,
    pub(crate) account_name: String,
    pub(crate) amount_cents: i64,
}

/// One line dropped by validation: `Acc Ref :X Line :N message`.
#[derive(Debug, Clone)]
pub(crate) struct LineError {
    pub(crate) account_reference: String,
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// What the simulator decided about an uploaded file.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub(crate) name: String,
    pub(crate) action_date: Option<NaiveDate>,
    pub(crate) same_day: bool,
    /// A `Mandates` batch: DebiCheck mandate requests, not debits.
    pub(crate) mandates: bool,
    pub(crate) transactions: Vec<Transaction>,
    pub(crate) errors: Vec<LineError>,
    /// Why the whole file was refused (`UNSUCCESSFUL`).
    pub(crate) fatal: Option<String>,
}

/// What the simulator needs to judge a file.
pub(crate) struct Rules<'a> {
    pub(crate) service_key: &'a str,
    pub(crate) vendor_key: &'a str,
    pub(crate) today: NaiveDate,
    pub(crate) calendar: &'a BusinessCalendar,
    /// Account numbers that fail the bank's check-digit verification, chosen per test.
    pub(crate) failing_check_digits: &'a [String],
}

/// Why an upload is refused outright with a business code instead of a file token.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Refused(pub(crate) &'static str);

fn unsuccessful(name: &str, why: impl Into<String>) -> Loaded {
    Loaded {
        name: name.to_owned(),
        action_date: None,
        same_day: false,
        mandates: false,
        transactions: Vec::new(),
        errors: Vec::new(),
        fatal: Some(why.into()),
    }
}

/// Reads and validates a batch file.
pub(crate) fn load(file: &str, rules: &Rules<'_>) -> Result<Loaded, Refused> {
    let lines: Vec<(usize, Vec<&str>)> = file
        .split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.split('\t').collect()))
        .collect();
    let Some((_, header)) = lines.first() else {
        return Ok(unsuccessful("UNKNOWN", "File is empty"));
    };
    // netcash-niws.md: `H, ServiceKey, 1, Instruction, BatchName, ActionDate CCYYMMDD, VendorKey`.
    if header.len() != 7 || header[0] != "H" {
        return Ok(unsuccessful("UNKNOWN", "Header record is not valid"));
    }
    let name = header[4];
    if header[1] != rules.service_key {
        return Ok(unsuccessful(name, "Service key in the header record is not valid"));
    }
    if header[6] != rules.vendor_key {
        return Ok(unsuccessful(name, "Software vendor key is not valid"));
    }
    // netcash-niws.md: `Mandates` for electronic / DebiCheck mandate batches. The simulator
    // reads their T lines like debit orders, field 162 being the mandate's maximum collection
    // amount (verify against the provider's mandate file layout).
    let (same_day, mandates) = match header[3] {
        "SameDay" => (true, false),
        "TwoDay" => (false, false),
        "Mandates" => (false, true),
        _ => return Ok(unsuccessful(name, "Instruction is not valid")),
    };
    let Ok(action_date) = NaiveDate::parse_from_str(header[5], "%Y%m%d") else {
        return Ok(unsuccessful(name, "Action date is not valid"));
    };
    // netcash-niws.md: the K record gives the order of the T columns.
    let Some((_, key)) = lines.get(1).filter(|(_, k)| k.first() == Some(&"K")) else {
        return Ok(unsuccessful(name, "Key record is missing"));
    };
    let column = |id: &str| key.iter().position(|f| *f == id);
    let required = ["101", "102", "131", "132", "133", "134", "136", "162"];
    if required.iter().any(|id| column(id).is_none()) {
        return Ok(unsuccessful(name, "Key record lacks a required field"));
    }
    let Some((_, footer)) = lines.last().filter(|(_, f)| f.first() == Some(&"F")) else {
        return Ok(unsuccessful(name, "Footer record is missing"));
    };
    let body = &lines[2..lines.len() - 1];

    // netcash-niws.md: `F, count, sum of cents, 9999`; a mismatch is a parameter error (102).
    let declared_count = footer.get(1).and_then(|c| c.parse::<usize>().ok());
    let declared_sum = footer.get(2).and_then(|c| c.parse::<i64>().ok());
    let written_sum: i64 = body
        .iter()
        .filter_map(|(_, f)| {
            column("162").and_then(|c| f.get(c)).and_then(|a| a.parse::<i64>().ok())
        })
        .sum();
    if footer.len() != 4
        || footer[3] != "9999"
        || declared_count != Some(body.len())
        || declared_sum != Some(written_sum)
    {
        return Err(Refused("102"));
    }

    // collections.md: a two-day batch must arrive at least 2 business days before its action
    // date; a same-day batch on the action date itself, which must be a business day.
    let lead_ok = if mandates {
        // A mandate request has no lead time; its date is the first collection (verify).
        true
    } else if same_day {
        action_date == rules.today && rules.calendar.is_business_day(action_date)
    } else {
        rules.calendar.is_business_day(action_date)
            && rules.calendar.business_days_between(rules.today, action_date) >= 2
    };
    if !lead_ok {
        let mut loaded = unsuccessful(name, "Action date is not valid for this instruction");
        loaded.action_date = Some(action_date);
        return Ok(loaded);
    }

    let mut transactions = Vec::new();
    let mut errors = Vec::new();
    for (line, fields) in body {
        let field = |id: &str| column(id).and_then(|c| fields.get(c)).copied().unwrap_or("");
        let reference = field("101");
        let error = |message: &str| LineError {
            account_reference: reference.to_owned(),
            line: *line,
            message: message.to_owned(),
        };
        if fields.first() != Some(&"T") || fields.len() != key.len() {
            errors.push(error("Transaction record has the wrong number of fields"));
            continue;
        }
        let account_number = field("136");
        let branch = field("134");
        let amount = field("162");
        // netcash-niws.md, field 101: 2-22 characters.
        let problem = if !(2..=22).contains(&reference.chars().count()) {
            Some("Account reference has incorrect length (min 2, max 22 characters)")
        } else if field("102").trim().is_empty() {
            Some("Account name is required")
        } else if field("131") != "1" {
            Some("Banking detail type is not valid")
        } else if field("132").trim().is_empty() {
            Some("Bank account holder name is required")
        } else if !["1", "2", "3"].contains(&field("133")) {
            Some("Bank account type is not valid")
        } else if branch.len() != 6 || !branch.bytes().all(|b| b.is_ascii_digit()) {
            Some("Branch code is not valid")
        } else if !account_number.bytes().all(|b| b.is_ascii_digit()) {
            Some("Bank account number is not numeric")
        } else if !(4..=11).contains(&account_number.len()) {
            // netcash-niws.md, load report example.
            Some("Bank account number has incorrect length (min 4, max 11 characters)")
        } else if rules.failing_check_digits.iter().any(|a| a == account_number) {
            Some("Bank account number failed check digit verification")
        } else if amount.parse::<i64>().map_or(true, |a| a <= 0) {
            Some("Amount is not valid")
        } else {
            None
        };
        match problem {
            Some(message) => errors.push(error(message)),
            None => transactions.push(Transaction {
                account_reference: reference.to_owned(),
                account_name: field("102").to_owned(),
                amount_cents: amount.parse().expect("BUG: checked above"),
            }),
        }
    }
    let fatal = transactions.is_empty().then(|| "No valid transactions in the file".to_owned());
    Ok(Loaded {
        name: name.to_owned(),
        action_date: Some(action_date),
        same_day,
        mandates,
        transactions,
        errors,
        fatal,
    })
}

/// The load report in the spec's format (netcash-niws.md, "Load report"), lines ending `\r\n`.
pub(crate) fn report(loaded: &Loaded, at: NaiveDateTime) -> String {
    let state = match (&loaded.fatal, loaded.errors.is_empty()) {
        (Some(_), _) => "UNSUCCESSFUL",
        (None, true) => "SUCCESSFUL",
        (None, false) => "SUCCESSFUL WITH ERRORS",
    };
    let total: i64 = loaded.transactions.iter().map(|t| t.amount_cents).sum();
    let time = at.format("%I:%M %p");
    let date = loaded.action_date.map(|d| d.format("%Y%m%d").to_string()).unwrap_or_default();
    let mut out = format!(
        "###BEGIN {} {state} {time} R{}.{:02} {date}\r\n",
        loaded.name,
        total / 100,
        total % 100
    );
    for e in &loaded.errors {
        out.push_str(&format!(
            "Acc Ref :{} Line :{} {}\r\n",
            e.account_reference, e.line, e.message
        ));
    }
    if let Some(fatal) = &loaded.fatal {
        out.push_str(&format!("###ERROR: {fatal}\r\n"));
    }
    out.push_str(&format!("###END {time}"));
    out
}
