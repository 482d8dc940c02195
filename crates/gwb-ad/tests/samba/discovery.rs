//! Discovery: rootDSE facts and the schema capabilities of both DC profiles.

use crate::common::dc;

#[tokio::test]
async fn root_dse_and_schema_capabilities_match_the_profile() {
    let dc = dc();
    let mut dir = dc.connect().await;
    let d = dir.discover().await.unwrap();
    assert_eq!(d.default_naming_context, dc.base_dn);
    assert_eq!(
        d.schema_naming_context,
        format!("CN=Schema,CN=Configuration,{}", dc.base_dn)
    );
    assert!(d.naming_contexts.contains(&dc.base_dn));
    assert!(d.supports_paging());
    assert!(d.supports_permissive_modify());
    assert!(d.domain_functionality.is_some_and(|l| l >= 2));
    assert_eq!(d.capabilities, dc.capabilities(), "profile {}", dc.profile);
    if dc.profile == "exchange" {
        assert_eq!(
            d.schema_attributes,
            vec![
                "mailNickname",
                "msDS-ExternalDirectoryObjectId",
                "msExchRecipientDisplayType",
                "msExchRecipientTypeDetails"
            ]
        );
    } else {
        assert!(d.schema_attributes.is_empty(), "{:?}", d.schema_attributes);
    }
}
