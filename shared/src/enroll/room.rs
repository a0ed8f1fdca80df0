//! Room in a graph: how many more members it takes, which missing accounts get in when not
//! all fit (ENROLL_PRIORITY), and which members make room for them (MAKE_ROOM). Pure.

use std::collections::HashSet;

use super::config::EnrollConfig;
use super::plan::OrgView;
use super::priority::{Facts, Rank};
use super::reason::LeftOut;
use crate::aws::arn::GraphArn;
use crate::aws::{MemberDetail, OrgAccount};
use crate::domain::MemberStatus;

/// Detective takes no new member while the graph ingests 10 TB a day. Whether that TB is
/// 10^12 or 2^40 bytes is not documented: the larger, so that no account is left out that
/// Detective would take. A refusal below it is met once per run (`LeftOut::Refused`).
pub const VOLUME_LIMIT_BYTES_PER_DAY: u64 = 10 * (1 << 40);

/// How many more members a graph takes, and why no more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    pub free: usize,
    pub full: LeftOut,
}

/// From ListMembers: every listed member counts against the quota (invited ones too, as
/// nothing documents otherwise); the ENABLED members' volumes against 10 TB a day.
pub fn capacity(graph: &GraphArn, members: &[MemberDetail], quota: usize) -> Capacity {
    let bytes_per_day = members
        .iter()
        .filter(|member| member.status == MemberStatus::Enabled)
        .filter_map(|member| member.usage.bytes_per_day())
        .fold(0u64, u64::saturating_add);
    if bytes_per_day >= VOLUME_LIMIT_BYTES_PER_DAY {
        return Capacity {
            free: 0,
            full: LeftOut::VolumeLimit { bytes_per_day },
        };
    }
    let count = members
        .iter()
        .filter(|member| member.account_id != graph.account_id)
        .count();
    Capacity {
        free: quota.saturating_sub(count),
        full: LeftOut::MemberQuota { quota },
    }
}

/// The ACTIVE accounts the graph does not list, in ListAccounts' order.
pub fn missing<'a>(org: &'a OrgView, graph: &GraphArn, members: &[MemberDetail]) -> Vec<&'a OrgAccount> {
    let listed: HashSet<&str> = members.iter().map(|member| member.account_id.as_str()).collect();
    org.active
        .iter()
        .filter(|account| graph.account_id != account.id && !listed.contains(account.id.as_str()))
        .collect()
}

/// Members MAKE_ROOM may remove: organization members (the kind this function enrolls;
/// invited ones are never touched) of ACTIVE accounts not in SKIP_ACCOUNT_IDS.
fn removable<'a>(org: &'a OrgView, graph: &GraphArn, members: &[MemberDetail]) -> Vec<&'a OrgAccount> {
    members
        .iter()
        .filter(|member| member.is_organization_member() && member.account_id != graph.account_id)
        .filter_map(|member| org.active_account(&member.account_id))
        .collect()
}

/// Whether MAKE_ROOM may remove members here: only for the member quota, since removing
/// a member from a graph over its volume limit frees no certain room.
fn makes_room(config: &EnrollConfig, capacity: &Capacity) -> bool {
    config.make_room && matches!(capacity.full, LeftOut::MemberQuota { .. })
}

/// The accounts whose order matters in this graph: none when every missing account fits;
/// else the missing ones, and with MAKE_ROOM the members that could make room. Only these
/// are read for ENROLL_PRIORITY.
pub fn contention<'a>(
    org: &'a OrgView,
    graph: &GraphArn,
    members: &[MemberDetail],
    config: &EnrollConfig,
) -> Vec<&'a str> {
    let missing = missing(org, graph, members);
    let capacity = capacity(graph, members, config.member_quota);
    if missing.len() <= capacity.free {
        return Vec::new();
    }
    let mut ids: Vec<&str> = missing.iter().map(|account| account.id.as_str()).collect();
    if makes_room(config, &capacity) {
        ids.extend(removable(org, graph, members).iter().map(|account| account.id.as_str()));
    }
    ids
}

/// Who gets in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Admission<'a> {
    /// Missing accounts to enroll, best ranked first.
    pub admitted: Vec<&'a OrgAccount>,
    /// Members to remove first, each for an admitted account that ranks higher.
    pub evicted: Vec<String>,
    /// Missing accounts that stay out, and why.
    pub left_out: Vec<String>,
    pub why: Option<LeftOut>,
}

/// Fills the graph by rank up to its capacity; with MAKE_ROOM, each account left out that
/// ranks above the lowest-ranked removable member takes that member's place.
pub fn admit<'a>(
    org: &'a OrgView,
    graph: &GraphArn,
    members: &[MemberDetail],
    config: &EnrollConfig,
    facts: &Facts,
) -> Admission<'a> {
    let mut missing = missing(org, graph, members);
    let capacity = capacity(graph, members, config.member_quota);
    if missing.len() <= capacity.free {
        return Admission {
            admitted: missing,
            ..Admission::default()
        };
    }
    let rank = |account: &OrgAccount| config.priority.rank(account, facts);
    missing.sort_by_cached_key(|account| rank(account));
    let mut evicted = Vec::new();
    if makes_room(config, &capacity) {
        let mut lowest_first: Vec<(Rank, &OrgAccount)> = removable(org, graph, members)
            .into_iter()
            .map(|account| (rank(account), account))
            .collect();
        lowest_first.sort_by(|a, b| b.0.cmp(&a.0));
        for (candidate, (member_rank, member)) in missing.iter().skip(capacity.free).zip(lowest_first) {
            if rank(candidate) >= member_rank {
                break;
            }
            evicted.push(member.id.clone());
        }
    }
    let taken = capacity.free.saturating_add(evicted.len()).min(missing.len());
    let left_out = missing.split_off(taken);
    Admission {
        admitted: missing,
        evicted,
        left_out: left_out.into_iter().map(|account| account.id.clone()).collect(),
        why: Some(capacity.full),
    }
}
