//! The key that signs the links of update campaigns ([`crate::campaign`]): a link proves that
//! this server made it, for this place, until its last day, and nobody can make another
//! without the key.
//!
//! The key is 32 random bytes made once in the state directory (`campaign.key`, readable by
//! its owner only), so links outlive restarts; the signature is BLAKE3 keyed with it, over the
//! place's id and the link's last day, compared in constant time.

use std::path::Path;

use lieux_index::search::schedules::now_local;

use crate::http_error::{ApiError, ErrorCode};

/// The signing key of the links, kept in the state directory.
pub struct Signer {
    key: [u8; 32],
}

impl Signer {
    /// The file of the key, in the state directory.
    pub const FILE_NAME: &'static str = "campaign.key";

    /// The key of `state_dir`, made (32 random bytes, readable by the owner only) when there is
    /// none yet: links stay valid across restarts, and only this server's state signs them.
    ///
    /// # Errors
    /// When the file cannot be read or written, or is not 32 bytes.
    pub fn load(state_dir: &Path) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let path = state_dir.join(Self::FILE_NAME);
        if !path.exists() {
            std::fs::create_dir_all(state_dir)
                .with_context(|| format!("cannot make {}", state_dir.display()))?;
            let key: [u8; 32] = rand::random();
            let tmp = state_dir.join(format!(".{}.tmp-{}", Self::FILE_NAME, std::process::id()));
            write_private(&tmp, &key).with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let key = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
            anyhow::anyhow!("{} is not a key of 32 bytes: remove it to make a new one (links sent with the old one stop working)", path.display())
        })?;
        Ok(Self { key })
    }

    /// The signature of the confirmation link of `place_id`, valid until `expire`.
    fn sign(&self, place_id: &str, expire: &str) -> blake3::Hash {
        blake3::keyed_hash(
            &self.key,
            format!("lieux confirmation v1\n{place_id}\n{expire}").as_bytes(),
        )
    }

    /// The query of the confirmation link of `place_id` until `expire`.
    #[must_use]
    pub fn link_query(&self, place_id: &str, expire: chrono::NaiveDate) -> String {
        let expire = expire.to_string();
        let signature = self.sign(place_id, &expire).to_hex();
        format!("expire={expire}&signature={signature}")
    }

    /// Checks the link of `place_id` valid until `expire` (as signed): its `signature`, and
    /// that `expire` is not past in France.
    ///
    /// # Errors
    /// 403 `invalid_signature` when either fails.
    pub fn check(&self, place_id: &str, expire: &str, signature: &str) -> Result<(), ApiError> {
        let refused = || {
            ApiError::new(
                ErrorCode::InvalidSignature,
                "ce lien n'est pas valide ou n'est plus valide : demandez-en un nouveau à l'équipe qui vous l'a envoyé",
            )
        };
        let signature = blake3::Hash::from_hex(signature).map_err(|_| refused())?;
        // `blake3::Hash` compares in constant time.
        if signature != self.sign(place_id, expire) {
            return Err(refused());
        }
        let expire =
            chrono::NaiveDate::parse_from_str(expire, "%Y-%m-%d").map_err(|_| refused())?;
        if expire < now_local().date() {
            return Err(refused());
        }
        Ok(())
    }
}

/// Writes `bytes` to `path`, readable by the owner only, synced.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_holds_for_its_place_until_its_last_day_only() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::load(dir.path()).unwrap();
        // The same key once made.
        let again = Signer::load(dir.path()).unwrap();
        let today = now_local().date();
        let link = |signer: &Signer, id: &str, expire: chrono::NaiveDate| {
            let query = signer.link_query(id, expire);
            let (expire, signature) = query.split_once('&').unwrap();
            (
                expire.trim_start_matches("expire=").to_owned(),
                signature.trim_start_matches("signature=").to_owned(),
            )
        };
        let check = |signer: &Signer, id: &str, (expire, signature): (String, String)| {
            signer.check(id, &expire, &signature)
        };
        let tomorrow = today + chrono::Duration::days(1);
        assert!(check(&again, "lieu-1", link(&signer, "lieu-1", tomorrow)).is_ok());
        assert!(check(&signer, "lieu-1", link(&signer, "lieu-1", today)).is_ok());
        let yesterday = today - chrono::Duration::days(1);
        let expired = check(&signer, "lieu-1", link(&signer, "lieu-1", yesterday));
        assert_eq!(expired.unwrap_err().error, ErrorCode::InvalidSignature);
        assert!(check(&signer, "lieu-2", link(&signer, "lieu-1", tomorrow)).is_err());
        let (_, signature) = link(&signer, "lieu-1", tomorrow);
        let later = (today + chrono::Duration::days(400)).to_string();
        assert!(
            check(&signer, "lieu-1", (later, signature)).is_err(),
            "the date is signed"
        );
        let other = tempfile::tempdir().unwrap();
        let stranger = Signer::load(other.path()).unwrap();
        assert!(check(&stranger, "lieu-1", link(&signer, "lieu-1", tomorrow)).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(Signer::FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
