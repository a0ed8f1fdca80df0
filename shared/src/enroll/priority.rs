//! ENROLL_PRIORITY: which ACTIVE accounts a graph takes first when it cannot take them all.
//!
//! Rules are tried in order; an account's place is the first rule it matches, then (within
//! a rule, and for accounts no rule matches) the oldest account first by JoinedTimestamp,
//! then by id. The order is a pure function of the rules and what was read for them.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};

use crate::aws::arn::is_account_id;
use crate::aws::OrgAccount;
use crate::config::{self, ConfigError, Env};

/// One rule of ENROLL_PRIORITY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// `account:<12 digits>`.
    Account(String),
    /// `ou:<ou-... or r-...>`: every account under that organizational unit (or root), at
    /// any depth.
    Unit(String),
    /// `tag:<key>` (any value) or `tag:<key>=<value>`: the account's tag in Organizations.
    Tag { key: String, value: Option<String> },
}

impl fmt::Display for Rule {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Account(id) => write!(formatter, "account:{id}"),
            Self::Unit(id) => write!(formatter, "ou:{id}"),
            Self::Tag { key, value: None } => write!(formatter, "tag:{key}"),
            Self::Tag {
                key,
                value: Some(value),
            } => write!(formatter, "tag:{key}={value}"),
        }
    }
}

/// An organizational unit id (`ou-<root>-<8 to 32>`) or a root id (`r-<4 to 32>`), as
/// Organizations' ParentId pattern has them.
fn is_parent_id(id: &str) -> bool {
    let lower_alnum =
        |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    match id.split('-').collect::<Vec<_>>().as_slice() {
        ["r", root] => (4..=32).contains(&root.len()) && lower_alnum(root),
        ["ou", root, unit] => {
            (4..=32).contains(&root.len()) && (8..=32).contains(&unit.len()) && lower_alnum(root) && lower_alnum(unit)
        }
        _ => false,
    }
}

fn rule(text: &str) -> Option<Rule> {
    let (kind, value) = text.split_once(':')?;
    match kind {
        "account" if is_account_id(value) => Some(Rule::Account(value.to_owned())),
        "ou" if is_parent_id(value) => Some(Rule::Unit(value.to_owned())),
        "tag" => {
            let (key, value) = match value.split_once('=') {
                Some((key, value)) => (key, Some(value.to_owned())),
                None => (value, None),
            };
            (!key.is_empty()).then(|| Rule::Tag {
                key: key.to_owned(),
                value,
            })
        }
        _ => None,
    }
}

/// ENROLL_PRIORITY, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Priority {
    pub rules: Vec<Rule>,
}

impl Priority {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let rules = config::list(env, "ENROLL_PRIORITY")
            .into_iter()
            .map(|text| {
                rule(&text).ok_or(ConfigError {
                    var: "ENROLL_PRIORITY",
                    expected: "comma-separated rules, each account:<12-digit id>, ou:<ou-... or r-... id> or tag:<key>[=<value>]",
                    found: text,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// The units the rules name: each read once (ListOrganizationalUnitsForParent and
    /// ListAccountsForParent) when an order is needed.
    pub fn units(&self) -> Vec<&str> {
        self.rules
            .iter()
            .filter_map(|rule| match rule {
                Rule::Unit(id) => Some(id.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Whether `account`'s place depends on its tags: it reaches a tag rule before any rule
    /// that does not need them matches. Only these accounts' tags are read.
    pub fn needs_tags(&self, account_id: &str, facts: &Facts) -> bool {
        for rule in &self.rules {
            match rule {
                Rule::Tag { .. } => return true,
                other if matches_without_tags(other, account_id, facts) => return false,
                _ => {}
            }
        }
        false
    }

    /// `account`'s place: lower comes first.
    pub fn rank(&self, account: &OrgAccount, facts: &Facts) -> Rank {
        let rule = self
            .rules
            .iter()
            .position(|rule| match rule {
                Rule::Tag { key, value } => facts.tags.get(&account.id).is_some_and(|tags| {
                    tags.iter()
                        .any(|(k, v)| k == key && value.as_ref().is_none_or(|value| value == v))
                }),
                other => matches_without_tags(other, &account.id, facts),
            })
            .unwrap_or(self.rules.len());
        Rank {
            rule,
            joined: account.joined.unwrap_or(DateTime::<Utc>::MAX_UTC),
            account_id: account.id.clone(),
        }
    }
}

fn matches_without_tags(rule: &Rule, account_id: &str, facts: &Facts) -> bool {
    match rule {
        Rule::Account(id) => id == account_id,
        Rule::Unit(unit) => facts.under.get(unit).is_some_and(|ids| ids.contains(account_id)),
        Rule::Tag { .. } => false,
    }
}

/// What was read for the rules: the accounts under each unit they name, and the tags of
/// the accounts whose place depends on them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub under: HashMap<String, HashSet<String>>,
    pub tags: HashMap<String, Vec<(String, String)>>,
}

/// An account's place in the order: the first rule it matches (the number of rules when
/// none), then the oldest first (unknown join times last), then the id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank {
    pub rule: usize,
    pub joined: DateTime<Utc>,
    pub account_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AccountState;

    fn env(value: &str) -> HashMap<String, String> {
        HashMap::from([("ENROLL_PRIORITY".to_owned(), value.to_owned())])
    }

    fn account(id: &str, joined_secs: i64) -> OrgAccount {
        OrgAccount {
            id: id.to_owned(),
            name: None,
            email: None,
            state: AccountState::Active,
            joined: DateTime::from_timestamp(joined_secs, 0),
        }
    }

    #[test]
    fn rules_parse_in_order_and_bad_ones_name_the_variable() {
        let priority = Priority::from_env(&env(
            "account:111111111111, ou:ou-ab12-cdef5678,tag:env=prod,tag:critical,ou:r-ab12",
        ))
        .unwrap();
        assert_eq!(
            priority.rules,
            vec![
                Rule::Account("111111111111".into()),
                Rule::Unit("ou-ab12-cdef5678".into()),
                Rule::Tag {
                    key: "env".into(),
                    value: Some("prod".into())
                },
                Rule::Tag {
                    key: "critical".into(),
                    value: None
                },
                Rule::Unit("r-ab12".into()),
            ]
        );
        assert_eq!(priority.units(), vec!["ou-ab12-cdef5678", "r-ab12"]);
        for bad in ["account:1234", "ou:Production", "tag:", "prod", "ou:ou-AB12-cdef5678"] {
            let error = Priority::from_env(&env(bad)).unwrap_err();
            assert_eq!((error.var, error.found.as_str()), ("ENROLL_PRIORITY", bad));
        }
        assert_eq!(Priority::from_env(&HashMap::new()).unwrap(), Priority::default());
    }

    #[test]
    fn without_rules_the_oldest_account_comes_first_then_the_id() {
        let priority = Priority::default();
        let facts = Facts::default();
        let mut accounts = [
            account("333333333333", 300),
            account("222222222222", 100),
            account("111111111111", 300),
        ];
        accounts.sort_by_key(|account| priority.rank(account, &facts));
        let ids: Vec<&str> = accounts.iter().map(|account| account.id.as_str()).collect();
        assert_eq!(ids, ["222222222222", "111111111111", "333333333333"]);
        let unknown = OrgAccount {
            joined: None,
            ..account("000000000000", 0)
        };
        assert!(priority.rank(&unknown, &facts) > priority.rank(&accounts[2], &facts));
    }

    #[test]
    fn the_first_matching_rule_places_an_account() {
        let priority = Priority::from_env(&env("tag:env=prod,ou:ou-ab12-cdef5678,account:444444444444")).unwrap();
        let facts = Facts {
            under: HashMap::from([(
                "ou-ab12-cdef5678".to_owned(),
                HashSet::from(["222222222222".to_owned(), "333333333333".to_owned()]),
            )]),
            tags: HashMap::from([
                ("333333333333".to_owned(), vec![("env".to_owned(), "prod".to_owned())]),
                ("222222222222".to_owned(), vec![("env".to_owned(), "dev".to_owned())]),
            ]),
        };
        let rule_of = |id: &str| priority.rank(&account(id, 0), &facts).rule;
        assert_eq!(rule_of("333333333333"), 0);
        assert_eq!(rule_of("222222222222"), 1);
        assert_eq!(rule_of("444444444444"), 2);
        assert_eq!(rule_of("555555555555"), 3);
    }

    #[test]
    fn tags_are_needed_only_where_no_earlier_rule_decides() {
        let priority = Priority::from_env(&env("account:111111111111,ou:ou-ab12-cdef5678,tag:env")).unwrap();
        let facts = Facts {
            under: HashMap::from([(
                "ou-ab12-cdef5678".to_owned(),
                HashSet::from(["222222222222".to_owned()]),
            )]),
            tags: HashMap::new(),
        };
        assert!(!priority.needs_tags("111111111111", &facts));
        assert!(!priority.needs_tags("222222222222", &facts));
        assert!(priority.needs_tags("333333333333", &facts));
        assert!(!Priority::from_env(&env("ou:ou-ab12-cdef5678"))
            .unwrap()
            .needs_tags("333333333333", &facts));
    }
}
