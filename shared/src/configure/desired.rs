//! The desired state of Detective, read from variables (the CLI, Lambda's environment) or
//! from a custom resource's properties: one parser for both, errors naming the source.

use super::plan::Part;
use crate::aws::Tags;
use crate::config::{self, ConfigError, Env};
use crate::domain::{AccountId, DatasourcePackage};

/// The tag that records which tag keys we manage, so that a key dropped from GRAPH_TAGS is
/// removed while tags someone else set are never touched. Tag keys cannot contain spaces
/// (the model's TagKey pattern), so its value is the keys separated by spaces.
pub const MANAGED_TAGS_KEY: &str = "detective-autopilot:managed-tag-keys";

/// A graph holds at most 50 tags; one is the marker above.
const MAX_TAGS: usize = 49;

#[derive(Debug, Clone, PartialEq)]
pub struct DesiredState {
    /// `REGIONS`: where Detective is set up; default the function's own region.
    pub regions: Vec<String>,
    /// `ADMINISTRATOR_ACCOUNT_ID`: the organization's Detective administrator (required).
    pub administrator: AccountId,
    /// `DATASOURCE_PACKAGES`: optional packages to have on; DETECTIVE_CORE always is.
    pub packages: Vec<DatasourcePackage>,
    /// `GRAPH_TAGS`: `key=value,...` on the graph.
    pub tags: Tags,
    /// `AUTO_ENABLE`: the organization configuration's AutoEnable (default true).
    pub auto_enable: bool,
    /// `DISABLE_ON_DELETE`: on the custom resource's Delete, DisableOrganizationAdminAccount /
    /// DeleteGraph (destroying the graph's data); default false, nothing changes.
    pub disable_on_delete: bool,
    /// Whether the deployed function allows DisableOnDelete at all (its own
    /// `DISABLE_ON_DELETE`, from the same stack parameter): a request alone, forged or not,
    /// can never destroy a graph.
    pub delete_allowed: bool,
}

/// The variables, as the CLI and a custom resource's properties name them.
pub const NAMES: &[(&str, &str)] = &[
    ("REGIONS", "Regions"),
    ("ADMINISTRATOR_ACCOUNT_ID", "AdministratorAccountId"),
    ("DATASOURCE_PACKAGES", "DatasourcePackages"),
    ("GRAPH_TAGS", "GraphTags"),
    ("AUTO_ENABLE", "AutoEnable"),
    ("DISABLE_ON_DELETE", "DisableOnDelete"),
];

impl DesiredState {
    pub fn from_env(env: &dyn Env) -> Result<Self, ConfigError> {
        let regions = config::regions(env)?;
        let administrator = config::optional(env, "ADMINISTRATOR_ACCOUNT_ID").unwrap_or_default();
        let administrator = AccountId::parse(&administrator).ok_or(ConfigError {
            var: "ADMINISTRATOR_ACCOUNT_ID",
            expected: "the 12-digit account id of the Detective administrator",
            found: administrator,
        })?;
        Ok(Self {
            regions,
            administrator,
            packages: packages(env)?,
            tags: tags(env)?,
            auto_enable: config::boolean(env, "AUTO_ENABLE", true)?,
            disable_on_delete: config::boolean(env, "DISABLE_ON_DELETE", false)?,
            delete_allowed: false,
        })
    }

    /// The packages that must be STARTED: DETECTIVE_CORE and the ones asked for.
    pub fn wanted_packages(&self) -> Vec<DatasourcePackage> {
        let mut wanted = vec![DatasourcePackage::DetectiveCore];
        wanted.extend(self.packages.iter().cloned());
        wanted.sort();
        wanted.dedup();
        wanted
    }

    /// The tags the graph should carry, with the marker of the keys we manage.
    pub fn tags_with_marker(&self) -> Tags {
        let mut tags = self.tags.clone();
        if !tags.is_empty() {
            tags.insert(MANAGED_TAGS_KEY.to_owned(), managed_keys_value(&self.tags));
        }
        tags
    }
}

/// What a request asks that differs from the stack's own setup, one entry per property
/// (named as the request names it): empty when they agree.
pub fn differences(asked_part: Part, asked: &DesiredState, own_part: Part, own: &DesiredState) -> Vec<String> {
    let mut found = Vec::new();
    let mut compare = |property: &str, asked: String, own: String| {
        if asked != own {
            found.push(format!("{property} asks {asked:?}, the stack has {own:?}"));
        }
    };
    compare("Part", asked_part.name().to_owned(), own_part.name().to_owned());
    compare("Regions", asked.regions.join(","), own.regions.join(","));
    compare(
        "AdministratorAccountId",
        asked.administrator.as_str().to_owned(),
        own.administrator.as_str().to_owned(),
    );
    let packages = |desired: &DesiredState| {
        desired
            .packages
            .iter()
            .map(|package| package.as_str().to_owned())
            .collect::<Vec<_>>()
            .join(",")
    };
    compare("DatasourcePackages", packages(asked), packages(own));
    let tags = |desired: &DesiredState| {
        desired
            .tags
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect::<Vec<_>>()
            .join(",")
    };
    compare("GraphTags", tags(asked), tags(own));
    compare("AutoEnable", asked.auto_enable.to_string(), own.auto_enable.to_string());
    compare(
        "DisableOnDelete",
        asked.disable_on_delete.to_string(),
        own.disable_on_delete.to_string(),
    );
    found
}

/// The marker's value for these tags.
pub fn managed_keys_value(tags: &Tags) -> String {
    tags.keys().cloned().collect::<Vec<_>>().join(" ")
}

fn packages(env: &dyn Env) -> Result<Vec<DatasourcePackage>, ConfigError> {
    let mut packages = Vec::new();
    for name in config::list(env, "DATASOURCE_PACKAGES") {
        match DatasourcePackage::from_aws(&name.to_ascii_uppercase()) {
            DatasourcePackage::Other(_) => {
                return Err(ConfigError {
                    var: "DATASOURCE_PACKAGES",
                    expected: "comma-separated packages among EKS_AUDIT, ASFF_SECURITYHUB_FINDING, DETECTIVE_CORE",
                    found: name,
                })
            }
            package => packages.push(package),
        }
    }
    packages.sort();
    packages.dedup();
    Ok(packages)
}

/// The model's TagKey: 1 to 128 of `a-zA-Z`, the range `+` to `=` (digits, `,-./:;<`), `._:/`,
/// not starting with `aws:`.
fn is_tag_key(key: &str) -> bool {
    (1..=128).contains(&key.len())
        && !key.starts_with("aws:")
        && key
            .bytes()
            .all(|byte| byte.is_ascii_alphabetic() || (b'+'..=b'=').contains(&byte) || b"._:/".contains(&byte))
}

fn tags(env: &dyn Env) -> Result<Tags, ConfigError> {
    let bad = |found: String| ConfigError {
        var: "GRAPH_TAGS",
        expected: "comma-separated key=value pairs (keys of letters, digits and +-=._:/ not starting with aws:, \
                   values of at most 256 characters, at most 49 tags)",
        found,
    };
    let mut tags = Tags::new();
    for pair in config::list(env, "GRAPH_TAGS") {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(bad(pair));
        };
        let (key, value) = (key.trim(), value.trim());
        if !is_tag_key(key) || key == MANAGED_TAGS_KEY || value.chars().count() > 256 {
            return Err(bad(pair.clone()));
        }
        tags.insert(key.to_owned(), value.to_owned());
    }
    if tags.len() > MAX_TAGS || managed_keys_value(&tags).len() > 256 {
        return Err(bad(format!("{} tags", tags.len())));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut env: HashMap<String, String> = [
            ("AWS_REGION", "us-east-1"),
            ("ADMINISTRATOR_ACCOUNT_ID", "111111111111"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        env.extend(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        env
    }

    #[test]
    fn reads_every_setting_with_its_default() {
        let desired = DesiredState::from_env(&env(&[
            ("REGIONS", "us-west-2,us-east-1"),
            ("DATASOURCE_PACKAGES", "eks_audit, ASFF_SECURITYHUB_FINDING"),
            ("GRAPH_TAGS", "team=security, cost-center=42"),
        ]));
        let Ok(desired) = desired else { panic!("{desired:?}") };
        assert_eq!(desired.regions, ["us-east-1", "us-west-2"]);
        assert_eq!(desired.administrator, "111111111111");
        assert_eq!(
            desired.wanted_packages(),
            [
                DatasourcePackage::DetectiveCore,
                DatasourcePackage::EksAudit,
                DatasourcePackage::AsffSecurityhubFinding
            ]
        );
        assert_eq!(
            desired.tags_with_marker().into_iter().collect::<Vec<_>>(),
            [
                ("cost-center".to_owned(), "42".to_owned()),
                (MANAGED_TAGS_KEY.to_owned(), "cost-center team".to_owned()),
                ("team".to_owned(), "security".to_owned()),
            ]
        );
        assert!(desired.auto_enable && !desired.disable_on_delete);
    }

    #[test]
    fn bad_values_name_the_variable() {
        let var = |pairs: &[(&str, &str)]| DesiredState::from_env(&env(pairs)).err().map(|error| error.var);
        assert_eq!(
            var(&[("ADMINISTRATOR_ACCOUNT_ID", "")]),
            Some("ADMINISTRATOR_ACCOUNT_ID")
        );
        assert_eq!(var(&[("DATASOURCE_PACKAGES", "VPC_FLOW")]), Some("DATASOURCE_PACKAGES"));
        assert_eq!(var(&[("GRAPH_TAGS", "team")]), Some("GRAPH_TAGS"));
        assert_eq!(var(&[("GRAPH_TAGS", "aws:team=x")]), Some("GRAPH_TAGS"));
        assert_eq!(var(&[("GRAPH_TAGS", "my team=x")]), Some("GRAPH_TAGS"));
        assert_eq!(var(&[("AUTO_ENABLE", "maybe")]), Some("AUTO_ENABLE"));
        assert_eq!(var(&[("REGIONS", "Mars")]), Some("REGIONS"));
    }
}
