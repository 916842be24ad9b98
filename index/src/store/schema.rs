//! The full-text index (tantivy): its schema, its French analyser and its documents.
//!
//! The schema is built in one place, [`TextFields::schema`], and its field handles are kept in
//! [`TextFields`] instead of being looked up by name on each request. Text fields are analysed
//! for French as a person types it: split into words, lower-cased, accents folded, then stemmed
//! with the Snowball French stemmer, so that "demarches" finds "démarches" and "médiathèques"
//! finds "Médiathèque". Vocabulary values and the département are untokenised terms of one
//! `filters` field (`services=Aide aux démarches administratives`, `departement=49`): a filter
//! is a term query, and a facet count is a count of matching documents per term. Plain terms
//! cost a fraction of tantivy's hierarchical facets to index, which matters at a million places.
//!
//! Only the place's ordinal is stored: the records themselves live in `places.bin`, in memory,
//! and a hit is turned into a place by indexing that vector.

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, STRING,
};
use tantivy::{Index, TantivyDocument};

use crate::place::{Place, TextField};
use crate::store::analysis::french_analyzer;
use crate::vocab::{Typologie, VocabSet, Vocabulary};

/// The name under which the French analyser is registered.
pub const FRENCH: &str = "fr";

/// Registers the analysers an index of places needs.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(FRENCH, french_analyzer());
}

/// The fields of the full-text index.
#[derive(Clone, Copy, Debug)]
pub struct TextFields {
    /// The place's position in `places.bin` (fast field).
    pub ordinal: Field,
    /// `nom`.
    pub nom: Field,
    /// Service labels.
    pub services: Field,
    /// Typologie codes and their labels.
    pub typologie: Field,
    /// `commune` and `code_postal`.
    pub commune: Field,
    /// `adresse` and `complement_adresse`.
    pub adresse: Field,
    /// `presentation_resume` and `presentation_detail`.
    pub description: Field,
    /// Vocabulary values and the département as untokenised terms (`services=<label>`,
    /// `departement=49`): what filters match and what facet counts count.
    pub filters: Field,
}

impl TextFields {
    /// The name of the fast field holding a document's ordinal.
    pub const ORDINAL: &'static str = "ordinal";

    /// The schema, and the handles of its fields.
    #[must_use]
    pub fn schema() -> (Schema, Self) {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FRENCH)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Self {
            ordinal: builder.add_u64_field(Self::ORDINAL, FAST),
            nom: builder.add_text_field("nom", text.clone()),
            services: builder.add_text_field("services", text.clone()),
            typologie: builder.add_text_field("typologie", text.clone()),
            commune: builder.add_text_field("commune", text.clone()),
            adresse: builder.add_text_field("adresse", text.clone()),
            // Descriptions are long and only matched word by word: no positions.
            description: builder.add_text_field(
                "description",
                TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(FRENCH)
                        .set_index_option(IndexRecordOption::WithFreqs),
                ),
            ),
            filters: builder.add_text_field("filters", STRING),
        };
        (builder.build(), fields)
    }

    /// The handles of the fields of an existing index's schema.
    ///
    /// # Errors
    /// When a field is missing: the index was written by another version.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Self> {
        let field = |name: &str| schema.get_field(name);
        Ok(Self {
            ordinal: field(Self::ORDINAL)?,
            nom: field("nom")?,
            services: field("services")?,
            typologie: field("typologie")?,
            commune: field("commune")?,
            adresse: field("adresse")?,
            description: field("description")?,
            filters: field("filters")?,
        })
    }

    /// The document of `place`, the `ordinal`-th of the index.
    #[must_use]
    pub fn document(&self, ordinal: u32, place: &Place) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.ordinal, u64::from(ordinal));
        doc.add_text(self.nom, place.nom());
        for service in place.services.iter() {
            doc.add_text(self.services, service.label());
        }
        for typologie in place.typologie.iter() {
            doc.add_text(self.typologie, typologie.label());
            doc.add_text(self.typologie, typologie.description());
        }
        doc.add_text(self.commune, place.commune());
        doc.add_text(self.commune, place.code_postal());
        for field in [TextField::Adresse, TextField::ComplementAdresse] {
            add_if_any(&mut doc, self.adresse, place.text(field));
        }
        for field in [TextField::PresentationResume, TextField::PresentationDetail] {
            add_if_any(&mut doc, self.description, place.text(field));
        }
        self.add_filters(&mut doc, place);
        doc
    }

    fn add_filters(&self, doc: &mut TantivyDocument, place: &Place) {
        fn add<V: Vocabulary>(doc: &mut TantivyDocument, field: Field, set: &VocabSet<V>) {
            for value in set.iter() {
                doc.add_text(field, filter_term(V::FIELD, value.label()));
            }
        }
        let f = self.filters;
        add(doc, f, &place.services);
        add(doc, f, &place.publics_specifiquement_adresses);
        add(doc, f, &place.prise_en_charge_specifique);
        add(doc, f, &place.frais_a_charge);
        add(doc, f, &place.dispositif_programmes_nationaux);
        add(doc, f, &place.formations_labels);
        add(doc, f, &place.modalites_acces);
        add(doc, f, &place.modalites_accompagnement);
        add(doc, f, &place.itinerance);
        add::<Typologie>(doc, f, &place.typologie);
        if let Some(departement) = place.departement() {
            doc.add_text(f, filter_term("departement", departement));
        }
    }
}

/// The term of the `filters` field for one value of a field.
#[must_use]
pub fn filter_term(field: &str, value: &str) -> String {
    format!("{field}={value}")
}

fn add_if_any(doc: &mut TantivyDocument, field: Field, text: &str) {
    if !text.is_empty() {
        doc.add_text(field, text);
    }
}
