//! The reads ENROLL_PRIORITY needs, made only when a graph cannot take every account, and
//! once per run whatever the number of regions that ask.

use std::collections::{HashMap, HashSet};

use futures_util::stream::{self, StreamExt, TryStreamExt};
use tokio::sync::{Mutex, OnceCell};

use super::priority::{Facts, Priority};
use crate::aws::{AwsError, OrganizationPort};

/// ListTagsForResource calls in flight at once: Organizations is one endpoint for the whole
/// organization, with low request rates.
const TAG_READS_AT_ONCE: usize = 4;

pub struct FactReads<'a, O> {
    organizations: &'a O,
    priority: &'a Priority,
    units: OnceCell<HashMap<String, HashSet<String>>>,
    /// Held while tags are read, so two regions never read the same account's.
    tags: Mutex<HashMap<String, Vec<(String, String)>>>,
}

impl<'a, O: OrganizationPort> FactReads<'a, O> {
    pub fn new(organizations: &'a O, priority: &'a Priority) -> Self {
        Self {
            organizations,
            priority,
            units: OnceCell::new(),
            tags: Mutex::new(HashMap::new()),
        }
    }

    /// What the rules need to place `account_ids`: the units they name (read once), and
    /// the tags of the accounts no earlier rule places (each read once).
    pub async fn for_accounts(&self, account_ids: &[&str]) -> Result<Facts, AwsError> {
        let under = self
            .units
            .get_or_try_init(|| async {
                let mut under = HashMap::new();
                for unit in self.priority.units() {
                    let ids = self.organizations.accounts_under(unit).await?;
                    under.insert(unit.to_owned(), ids.into_iter().collect());
                }
                Ok::<_, AwsError>(under)
            })
            .await?;
        let mut facts = Facts {
            under: under.clone(),
            tags: HashMap::new(),
        };
        let needed: Vec<&str> = account_ids
            .iter()
            .copied()
            .filter(|id| self.priority.needs_tags(id, &facts))
            .collect();
        if needed.is_empty() {
            return Ok(facts);
        }
        let mut cache = self.tags.lock().await;
        let unread: Vec<String> = needed
            .iter()
            .filter(|id| !cache.contains_key(**id))
            .map(|id| (*id).to_owned())
            .collect();
        let organizations = self.organizations;
        let read: Vec<(String, Vec<(String, String)>)> = stream::iter(unread)
            .map(|id: String| async move {
                let tags = organizations.account_tags(&id).await?;
                Ok::<_, AwsError>((id, tags))
            })
            .buffer_unordered(TAG_READS_AT_ONCE)
            .try_collect()
            .await?;
        cache.extend(read);
        facts.tags = needed
            .iter()
            .filter_map(|id| cache.get(*id).map(|tags| ((*id).to_owned(), tags.clone())))
            .collect();
        Ok(facts)
    }
}
