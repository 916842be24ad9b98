//! The full-text index (tantivy): its schema, its French analyser and its documents.
//!
//! The schema is built in one place, [`TextFields::schema`], and its field handles are kept in
//! [`TextFields`] instead of being looked up by name on each request. Text fields are analysed
//! for French as a person types it: split into words, lower-cased, accents folded, then stemmed
//! with the Snowball French stemmer, so that "demarches" finds "démarches" and "médiathèques"
//! finds "Médiathèque". Vocabulary values and the département are facets, for counts per value.
//!
//! Only the place's ordinal is stored: the records themselves live in `places.bin`, in memory,
//! and a hit is turned into a place by indexing that vector.

use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST,
    INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};

use crate::place::Place;
use crate::vocab::{Typologie, VocabSet, Vocabulary};

/// The name under which the French analyser is registered.
pub const FRENCH: &str = "fr";

/// The French analyser: words, lower case, no accents, Snowball stems.
#[must_use]
pub fn french_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(Language::French))
        .build()
}

/// Registers the analysers an index of places needs.
pub fn register_analyzers(index: &Index) {
    index.tokenizers().register(FRENCH, french_analyzer());
}

/// The fields of the full-text index.
#[derive(Clone, Copy, Debug)]
pub struct TextFields {
    /// The place's position in `places.bin` (fast field).
    pub ordinal: Field,
    /// The place's id, untokenised.
    pub id: Field,
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
    /// Facets: `/services/<label>`, `/departement/<code>`…
    pub facets: Field,
}

impl TextFields {
    /// The schema, and the handles of its fields.
    #[must_use]
    pub fn schema() -> (Schema, Self) {
        let mut builder = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(FRENCH)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Self {
            ordinal: builder.add_u64_field("ordinal", FAST | INDEXED | STORED),
            id: builder.add_text_field("id", STRING),
            nom: builder.add_text_field("nom", text.clone()),
            services: builder.add_text_field("services", text.clone()),
            typologie: builder.add_text_field("typologie", text.clone()),
            commune: builder.add_text_field("commune", text.clone()),
            adresse: builder.add_text_field("adresse", text.clone()),
            description: builder.add_text_field("description", text),
            facets: builder.add_facet_field("facets", FacetOptions::default()),
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
            ordinal: field("ordinal")?,
            id: field("id")?,
            nom: field("nom")?,
            services: field("services")?,
            typologie: field("typologie")?,
            commune: field("commune")?,
            adresse: field("adresse")?,
            description: field("description")?,
            facets: field("facets")?,
        })
    }

    /// The document of `place`, the `ordinal`-th of the index.
    #[must_use]
    pub fn document(&self, ordinal: u32, place: &Place) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_u64(self.ordinal, u64::from(ordinal));
        doc.add_text(self.id, &place.id);
        doc.add_text(self.nom, &place.nom);
        for service in place.services.iter() {
            doc.add_text(self.services, service.label());
        }
        for typologie in place.typologie.iter() {
            doc.add_text(self.typologie, typologie.label());
            doc.add_text(self.typologie, typologie.description());
        }
        doc.add_text(self.commune, &place.commune);
        doc.add_text(self.commune, &place.code_postal);
        doc.add_text(self.adresse, &place.adresse);
        if let Some(complement) = &place.complement_adresse {
            doc.add_text(self.adresse, complement);
        }
        for text in [&place.presentation_resume, &place.presentation_detail]
            .into_iter()
            .flatten()
        {
            doc.add_text(self.description, text);
        }
        self.add_facets(&mut doc, place);
        doc
    }

    fn add_facets(&self, doc: &mut TantivyDocument, place: &Place) {
        fn add<V: Vocabulary>(doc: &mut TantivyDocument, field: Field, set: &VocabSet<V>) {
            for value in set.iter() {
                doc.add_facet(field, Facet::from_path([V::FIELD, value.label()]));
            }
        }
        let f = self.facets;
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
            doc.add_facet(f, Facet::from_path(["departement", departement]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenStream;

    fn tokens(text: &str) -> Vec<String> {
        let mut analyzer = french_analyzer();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn accents_case_and_plurals_fold_to_the_same_terms() {
        assert_eq!(tokens("Médiathèques"), tokens("mediatheque"));
        assert_eq!(
            tokens("démarches administratives"),
            tokens("DEMARCHES ADMINISTRATIVE")
        );
        assert_ne!(tokens("mairie"), tokens("médiathèque"));
    }
}
