//! The controlled vocabularies of the *schéma des lieux de médiation numérique* v1.0.2.
//!
//! Each vocabulary is a closed Rust enum whose serde names are the standard's exact labels, so a
//! value that compiles is a value the national validator accepts. Multi-valued fields are stored as
//! a [`VocabSet`]: a bitset with one bit per label. A place then costs a few bytes per field
//! instead of a vector of strings, and the filters of the search and tile endpoints become bit
//! operations.
//!
//! The enums themselves are generated from the schema files (see `vocab_tables.rs`); this module
//! holds the machinery they share.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::fold::fold;

/// Storage of a [`VocabSet`]: an unsigned integer wide enough for one bit per label.
pub trait Bits: Copy + Eq + Default + fmt::Debug + Send + Sync + 'static {
    /// A value with only bit `index` set.
    fn bit(index: usize) -> Self;
    /// Whether bit `index` is set.
    fn has(self, index: usize) -> bool;
    /// Bitwise or.
    #[must_use]
    fn or(self, other: Self) -> Self;
    /// Bitwise and.
    #[must_use]
    fn and(self, other: Self) -> Self;
    /// Whether no bit is set.
    fn is_zero(self) -> bool;
    /// The value as a `u128`, for compact serialisation.
    fn to_u128(self) -> u128;
    /// The inverse of [`Bits::to_u128`]; bits that do not fit are dropped.
    fn from_u128(value: u128) -> Self;
}

macro_rules! impl_bits {
    ($($t:ty),*) => {$(
        impl Bits for $t {
            fn bit(index: usize) -> Self { 1 << index }
            fn has(self, index: usize) -> bool { self & (1 << index) != 0 }
            fn or(self, other: Self) -> Self { self | other }
            fn and(self, other: Self) -> Self { self & other }
            fn is_zero(self) -> bool { self == 0 }
            fn to_u128(self) -> u128 { u128::from(self) }
            #[allow(clippy::cast_possible_truncation)]
            fn from_u128(value: u128) -> Self { value as $t }
        }
    )*};
}
impl_bits!(u8, u32, u128);

/// A controlled vocabulary of the schema.
pub trait Vocabulary: Copy + Eq + Ord + fmt::Debug + Send + Sync + 'static {
    /// The schema field this vocabulary belongs to.
    const FIELD: &'static str;
    /// Every value, in the standard's order.
    const ALL: &'static [Self];
    /// Storage wide enough for one bit per value.
    type Bits: Bits;
    /// The standard's exact label.
    fn label(self) -> &'static str;
    /// The position of the value in [`Vocabulary::ALL`].
    fn index(self) -> usize;

    /// The value whose label is exactly `label`.
    fn from_label(label: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.label() == label)
    }

    /// The value whose label matches `text` once case, accents, apostrophes and spacing are
    /// ignored: "demarches administratives" is not a label, "aide aux demarches administratives"
    /// is one.
    fn lookup(text: &str) -> Option<Self> {
        Self::from_label(text).or_else(|| {
            let wanted = fold(text);
            Self::ALL
                .iter()
                .copied()
                .find(|v| fold(v.label()) == wanted)
        })
    }
}

/// The JSON Schema of a list of `V`'s labels, as answers write a vocabulary field.
pub fn labels_schema<V: Vocabulary>(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let labels: Vec<&str> = V::ALL.iter().map(|v| v.label()).collect();
    schemars::json_schema!({
        "type": "array",
        "items": { "type": "string", "enum": labels },
    })
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $field:literal, $bits:ty { $($variant:ident => $label:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $(#[doc = $label] $variant,)*
        }

        impl Vocabulary for $name {
            const FIELD: &'static str = $field;
            const ALL: &'static [Self] = &[$(Self::$variant,)*];
            type Bits = $bits;

            fn label(self) -> &'static str {
                match self { $(Self::$variant => $label,)* }
            }

            fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.label())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let label = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::from_label(&label).ok_or_else(|| {
                    de::Error::custom(format!("{:?} is not a value of `{}`", label, $field))
                })
            }
        }
    };
}

include!("vocab_tables.rs");

vocabulary! {
    /// How recently a place's record was checked, from `date_maj` and the server's thresholds
    /// ([`crate::freshness`]): no field of the schema, but filtered and counted as one.
    Fraicheur, "fraicheur", u8 {
        AJour => "a_jour",
        AVerifier => "a_verifier",
        Ancienne => "ancienne",
    }
}

/// A set of values of one vocabulary: the value of a multi-valued field.
///
/// Serialises as a list of labels in human-readable formats (JSON) and as one integer in binary
/// ones (the persisted index).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VocabSet<V: Vocabulary> {
    bits: V::Bits,
    marker: PhantomData<V>,
}

impl<V: Vocabulary> VocabSet<V> {
    /// The empty set.
    #[must_use]
    pub fn new() -> Self {
        Self {
            bits: V::Bits::default(),
            marker: PhantomData,
        }
    }

    /// Adds a value.
    pub fn insert(&mut self, value: V) {
        self.bits = self.bits.or(V::Bits::bit(value.index()));
    }

    /// Whether the set holds `value`.
    #[must_use]
    pub fn contains(&self, value: V) -> bool {
        self.bits.has(value.index())
    }

    /// Whether the two sets share a value: the OR semantics of a filter with several values.
    #[must_use]
    pub fn intersects(&self, other: &Self) -> bool {
        !self.bits.and(other.bits).is_zero()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bits.is_zero()
    }

    /// The number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Adds every value of `other`.
    pub fn extend_from(&mut self, other: &Self) {
        self.bits = self.bits.or(other.bits);
    }

    /// The values, in the standard's order.
    pub fn iter(&self) -> impl Iterator<Item = V> + '_ {
        self.indices().map(|i| V::ALL[i])
    }

    /// The values as bits, bit `i` for the value at position `i` in [`Vocabulary::ALL`].
    #[must_use]
    pub fn to_u128(&self) -> u128 {
        self.bits.to_u128()
    }

    /// The positions in [`Vocabulary::ALL`] of the values, in order: one step per value held,
    /// not per value of the vocabulary (92 typologies).
    pub fn indices(&self) -> impl Iterator<Item = usize> {
        let mut bits = self.bits.to_u128();
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let index = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                index
            })
        })
    }

    /// The labels joined with `|`, the schema's multi-value separator.
    #[must_use]
    pub fn to_pipe_string(&self) -> String {
        let mut out = String::new();
        self.write_pipe(&mut out);
        out
    }

    /// Appends the labels joined with `|` to `out` (nothing when the set is empty).
    pub fn write_pipe(&self, out: &mut String) {
        for (i, value) in self.iter().enumerate() {
            if i > 0 {
                out.push('|');
            }
            out.push_str(value.label());
        }
    }
}

impl<V: Vocabulary> Default for VocabSet<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V: Vocabulary> FromIterator<V> for VocabSet<V> {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        let mut set = Self::new();
        for value in iter {
            set.insert(value);
        }
        set
    }
}

impl<V: Vocabulary> fmt::Debug for VocabSet<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<V: Vocabulary + Serialize> Serialize for VocabSet<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            let mut seq = serializer.serialize_seq(Some(self.len()))?;
            for value in self.iter() {
                seq.serialize_element(&value)?;
            }
            seq.end()
        } else {
            serializer.serialize_u128(self.bits.to_u128())
        }
    }
}

impl<'de, V: Vocabulary + Deserialize<'de>> Deserialize<'de> for VocabSet<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor<V>(PhantomData<V>);

        impl<'de, V: Vocabulary + Deserialize<'de>> Visitor<'de> for SetVisitor<V> {
            type Value = VocabSet<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of `{}` labels", V::FIELD)
            }

            fn visit_u128<E: de::Error>(self, bits: u128) -> Result<Self::Value, E> {
                Ok(VocabSet {
                    bits: V::Bits::from_u128(bits),
                    marker: PhantomData,
                })
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut set = VocabSet::new();
                while let Some(value) = seq.next_element::<V>()? {
                    set.insert(value);
                }
                Ok(set)
            }
        }

        if deserializer.is_human_readable() {
            deserializer.deserialize_seq(SetVisitor(PhantomData))
        } else {
            deserializer.deserialize_u128(SetVisitor(PhantomData))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_through_serde() {
        for service in Service::ALL {
            let json = serde_json::to_string(service).unwrap();
            assert_eq!(json, format!("\"{}\"", service.label()));
            assert_eq!(serde_json::from_str::<Service>(&json).unwrap(), *service);
        }
    }

    #[test]
    fn lookup_ignores_case_and_accents() {
        assert_eq!(
            Service::lookup("aide aux demarches administratives"),
            Some(Service::AideAuxDemarchesAdministratives)
        );
        assert_eq!(Public::lookup("ETUDIANTS"), Some(Public::Etudiants));
        assert_eq!(Service::lookup("démarches"), None);
    }

    #[test]
    fn sets_serialise_as_labels_in_json_and_as_bits_in_postcard() {
        let set: VocabSet<Frais> = [Frais::Payant, Frais::Gratuit].into_iter().collect();
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["Gratuit","Payant"]"#
        );
        assert_eq!(set.to_pipe_string(), "Gratuit|Payant");
        let bytes = postcard::to_allocvec(&set).unwrap();
        assert_eq!(
            postcard::from_bytes::<VocabSet<Frais>>(&bytes).unwrap(),
            set
        );
        let typo: VocabSet<Typologie> = [Typologie::TiersLieux, Typologie::Asso]
            .into_iter()
            .collect();
        let bytes = postcard::to_allocvec(&typo).unwrap();
        assert_eq!(
            postcard::from_bytes::<VocabSet<Typologie>>(&bytes).unwrap(),
            typo
        );
    }

    #[test]
    fn every_vocabulary_fits_its_storage() {
        assert!(Service::ALL.len() <= 32 && Dispositif::ALL.len() <= 32);
        assert!(Typologie::ALL.len() <= 128);
        assert_eq!(Typologie::ALL.len(), 92);
    }
}
