//! Realistic synthetic places, for benchmarks at sizes no real data set has.
//!
//! Places are spread like the French population: a commune is drawn with probability
//! proportional to its population (from the gazetteer `data/communes.csv`), and the place is put
//! at a Gaussian distance from the commune's centre that grows with the commune's size. Each
//! place is drawn from a small catalogue of real kinds of *lieux de médiation numérique*
//! (médiathèque, France Services, centre social, EPN…) with the services, audiences, fees and
//! programmes such places have, so that filters and facets see realistic mixes.
//!
//! The generator is seeded: the same seed and count give the same places, byte for byte.

use std::path::Path;

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ingest::normalize::UNKNOWN_PIVOT;
use crate::place::{Place, PlaceTexts, TextField};
use crate::vocab::{
    Dispositif, Frais, Itinerance, ModaliteAcces, ModaliteAccompagnement, PriseEnCharge, Public,
    Service, Typologie, VocabSet, Vocabulary,
};
use crate::{Error, Result};

/// A commune of the gazetteer.
#[derive(Clone, Debug)]
pub struct Commune {
    /// INSEE code.
    pub code_insee: String,
    /// Name.
    pub nom: String,
    /// Main postal code.
    pub code_postal: String,
    /// Centre latitude.
    pub latitude: f64,
    /// Centre longitude.
    pub longitude: f64,
    /// Population.
    pub population: u64,
}

/// The communes of France, with their populations.
#[derive(Clone, Debug)]
pub struct Gazetteer {
    communes: Vec<Commune>,
    /// Running total of populations, for drawing a commune by population.
    cumulative: Vec<u64>,
}

impl Gazetteer {
    /// Reads `data/communes.csv` (code_insee, nom, departement, code_postal, latitude,
    /// longitude, population).
    ///
    /// # Errors
    /// When the file cannot be read or a row is malformed.
    pub fn from_csv(path: &Path) -> Result<Self> {
        let malformed = |line: u64, message: String| Error::Malformed {
            path: path.to_owned(),
            position: format!("line {line}"),
            message,
        };
        let mut reader = csv::Reader::from_path(path).map_err(|e| malformed(0, e.to_string()))?;
        let mut communes = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| malformed(0, e.to_string()))?;
            let line = record.position().map_or(0, csv::Position::line);
            let field = |i: usize| record.get(i).unwrap_or("");
            let number = |i: usize| {
                field(i)
                    .parse::<f64>()
                    .map_err(|e| malformed(line, format!("column {i}: {e}")))
            };
            communes.push(Commune {
                code_insee: field(0).to_owned(),
                nom: field(1).to_owned(),
                code_postal: field(3).to_owned(),
                latitude: number(4)?,
                longitude: number(5)?,
                population: field(6).parse().unwrap_or(0),
            });
        }
        Ok(Self::new(communes))
    }

    /// A gazetteer of `communes`.
    #[must_use]
    pub fn new(communes: Vec<Commune>) -> Self {
        let mut total = 0;
        let cumulative = communes
            .iter()
            .map(|c| {
                total += c.population.max(1);
                total
            })
            .collect();
        Self {
            communes,
            cumulative,
        }
    }

    fn draw(&self, rng: &mut impl Rng) -> &Commune {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let ticket = rng.random_range(0..total);
        let i = self.cumulative.partition_point(|&c| c <= ticket);
        &self.communes[i.min(self.communes.len() - 1)]
    }
}

/// A kind of place, with what such places typically offer.
struct Kind {
    prefix: &'static [&'static str],
    typologie: &'static [Typologie],
    services: &'static [Service],
    frais: &'static [Frais],
    dispositif: &'static [Dispositif],
    /// Relative frequency.
    weight: u32,
    resume: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        prefix: &["Médiathèque", "Bibliothèque municipale", "Médiathèque intercommunale"],
        typologie: &[Typologie::Bib],
        services: &[
            Service::AccesInternetEtMaterielInformatique,
            Service::MaitriseDesOutilsNumeriquesDuQuotidien,
            Service::LoisirsEtCreationsNumeriques,
            Service::ComprehensionDuMondeNumerique,
        ],
        frais: &[Frais::Gratuit],
        dispositif: &[Dispositif::BibliothequesNumeriqueDeReference, Dispositif::ConseillersNumeriques],
        weight: 25,
        resume: "Postes informatiques en accès libre, ateliers d'initiation et accompagnement aux usages du numérique.",
    },
    Kind {
        prefix: &["France Services", "Maison France Services"],
        typologie: &[Typologie::Rfs],
        services: &[
            Service::AideAuxDemarchesAdministratives,
            Service::AccesInternetEtMaterielInformatique,
            Service::InsertionProfessionnelleViaLeNumerique,
        ],
        frais: &[Frais::Gratuit],
        dispositif: &[Dispositif::FranceServices, Dispositif::AidantsConnect],
        weight: 15,
        resume: "Accompagnement dans vos démarches administratives : CAF, impôts, retraite, santé, emploi.",
    },
    Kind {
        prefix: &["Mairie", "CCAS", "Point numérique de la mairie"],
        typologie: &[Typologie::Muni, Typologie::Ccas],
        services: &[
            Service::AideAuxDemarchesAdministratives,
            Service::AccesInternetEtMaterielInformatique,
        ],
        frais: &[Frais::Gratuit],
        dispositif: &[Dispositif::ConseillersNumeriques, Dispositif::AidantsConnect],
        weight: 20,
        resume: "Aide aux démarches en ligne et accès à un ordinateur, sur rendez-vous.",
    },
    Kind {
        prefix: &["Espace public numérique", "Cyber-espace", "EPN"],
        typologie: &[Typologie::Epn],
        services: &[
            Service::MaitriseDesOutilsNumeriquesDuQuotidien,
            Service::UtilisationSecuriseeDuNumerique,
            Service::ComprehensionDuMondeNumerique,
            Service::LoisirsEtCreationsNumeriques,
        ],
        frais: &[Frais::Gratuit, Frais::GratuitSousCondition, Frais::Payant],
        dispositif: &[Dispositif::ConseillersNumeriques, Dispositif::CertificationPix],
        weight: 12,
        resume: "Ateliers collectifs pour apprendre à utiliser un ordinateur, une tablette ou un smartphone.",
    },
    Kind {
        prefix: &["Centre social", "Maison de quartier", "Espace de vie sociale"],
        typologie: &[Typologie::Cs, Typologie::Evs],
        services: &[
            Service::ParentaliteEtEducationAvecLeNumerique,
            Service::AideAuxDemarchesAdministratives,
            Service::MaitriseDesOutilsNumeriquesDuQuotidien,
        ],
        frais: &[Frais::Gratuit, Frais::GratuitSousCondition],
        dispositif: &[Dispositif::ConseillersNumeriques, Dispositif::PromeneursDuNet],
        weight: 15,
        resume: "Accompagnement des familles : démarches, école en ligne, usages des écrans.",
    },
    Kind {
        prefix: &["Association", "Emmaüs Connect", "Atelier solidaire"],
        typologie: &[Typologie::Asso],
        services: &[
            Service::AcquisitionDeMaterielInformatiqueAPrixSolidaire,
            Service::MaitriseDesOutilsNumeriquesDuQuotidien,
            Service::InsertionProfessionnelleViaLeNumerique,
        ],
        frais: &[Frais::GratuitSousCondition, Frais::Payant],
        dispositif: &[Dispositif::EmmausConnect, Dispositif::RelaisNumeriqueEmmausConnect],
        weight: 8,
        resume: "Ordinateurs reconditionnés à prix solidaire et ateliers pour bien les utiliser.",
    },
    Kind {
        prefix: &["Tiers-lieu", "Fablab", "La Fabrique numérique"],
        typologie: &[Typologie::TiersLieux, Typologie::Fablab],
        services: &[
            Service::LoisirsEtCreationsNumeriques,
            Service::ComprehensionDuMondeNumerique,
            Service::InsertionProfessionnelleViaLeNumerique,
        ],
        frais: &[Frais::Payant, Frais::GratuitSousCondition],
        dispositif: &[Dispositif::GrandeEcoleDuNumerique],
        weight: 5,
        resume: "Espace de création et de partage : impression 3D, programmation, coworking.",
    },
];

const NAMES: &[&str] = &[
    "Victor Hugo",
    "Jean Jaurès",
    "Louise Michel",
    "Jules Verne",
    "Simone Veil",
    "Jean Moulin",
    "Marie Curie",
    "Aimé Césaire",
    "Colette",
    "George Sand",
    "Albert Camus",
    "Jacques Prévert",
    "des Capucins",
    "du Centre",
    "de la Gare",
    "des Halles",
    "du Château",
    "Saint-Exupéry",
];
const STREETS: &[&str] = &[
    "rue de la République",
    "place de la Mairie",
    "avenue Jean Jaurès",
    "rue Victor Hugo",
    "rue de la Gare",
    "place du Marché",
    "boulevard Gambetta",
    "rue Pasteur",
    "rue de l'Église",
    "allée des Tilleuls",
    "rue du Général de Gaulle",
    "chemin des Écoles",
];
const HOURS: &[&str] = &[
    "Mo-Fr 09:00-12:00,14:00-17:00",
    "Mo-Fr 09:00-12:30,13:30-17:30; Sa 09:00-12:00",
    "Tu-Sa 10:00-12:30,14:00-18:00",
    "Mo,We,Fr 14:00-18:00",
    "Tu,Th 09:00-12:00",
    "Mo-Th 08:30-12:00,13:30-17:00; Fr 08:30-12:00",
];

/// Draws places, one at a time.
pub struct Generator<'a> {
    gazetteer: &'a Gazetteer,
    rng: ChaCha8Rng,
    total_weight: u32,
}

impl<'a> Generator<'a> {
    /// A generator over `gazetteer`, seeded with `seed`.
    #[must_use]
    pub fn new(gazetteer: &'a Gazetteer, seed: u64) -> Self {
        Self {
            gazetteer,
            rng: ChaCha8Rng::seed_from_u64(seed),
            total_weight: KINDS.iter().map(|k| k.weight).sum(),
        }
    }

    /// The `n`-th place (ids are `gen-N`).
    pub fn place(&mut self, n: u64) -> Place {
        let commune = self.gazetteer.draw(&mut self.rng).clone();
        let rng = &mut self.rng;
        let mut ticket = rng.random_range(0..self.total_weight);
        let kind = KINDS
            .iter()
            .find(|k| {
                let hit = ticket < k.weight;
                ticket = ticket.saturating_sub(k.weight);
                hit
            })
            .unwrap_or(&KINDS[0]);

        // Larger communes spread their places further from the centre.
        #[allow(clippy::cast_precision_loss)]
        let sigma_m = (300.0 + 6.0 * (commune.population as f64).sqrt()).min(5_000.0);
        let (dx, dy) = gaussian_pair(rng);
        let latitude = commune.latitude + dy * sigma_m / 111_320.0;
        let longitude =
            commune.longitude + dx * sigma_m / (111_320.0 * commune.latitude.to_radians().cos());

        let prefix = pick(rng, kind.prefix);
        let nom = if commune.population > 20_000 {
            format!("{prefix} {}", pick(rng, NAMES))
        } else {
            format!("{prefix} de {}", commune.nom)
        };
        let mut services: VocabSet<Service> = kind
            .services
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.8))
            .collect();
        services.insert(kind.services[0]);
        if rng.random_bool(0.15) {
            services.insert(pick(rng, Service::ALL));
        }
        let publics: VocabSet<Public> = Public::ALL
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.2))
            .collect();
        let prise_en_charge: VocabSet<PriseEnCharge> = PriseEnCharge::ALL
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.08))
            .collect();
        let dispositif: VocabSet<Dispositif> = kind
            .dispositif
            .iter()
            .copied()
            .filter(|_| rng.random_bool(0.5))
            .collect();
        let modalites_acces: VocabSet<ModaliteAcces> = [
            ModaliteAcces::SePresenter,
            ModaliteAcces::Telephoner,
            ModaliteAcces::ContacterParMail,
            ModaliteAcces::PrendreUnRdvEnLigne,
        ]
        .into_iter()
        .filter(|_| rng.random_bool(0.5))
        .collect();
        let accompagnement: VocabSet<ModaliteAccompagnement> = [
            ModaliteAccompagnement::AccompagnementIndividuel,
            ModaliteAccompagnement::DansUnAtelierCollectif,
            ModaliteAccompagnement::EnAutonomie,
        ]
        .into_iter()
        .filter(|_| rng.random_bool(0.5))
        .collect();
        let itinerant = rng.random_bool(0.03);
        let date_maj = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default()
            + chrono::Days::new(rng.random_range(0..1000));

        let id = format!("gen-{n}");
        let pivot = if rng.random_bool(0.6) {
            format!(
                "{:014}",
                rng.random_range(10_000_000_000_000u64..99_999_999_999_999)
            )
        } else {
            UNKNOWN_PIVOT.to_owned()
        };
        let adresse = format!("{} {}", rng.random_range(1..120), pick(rng, STREETS));
        let telephone = if rng.random_bool(0.8) {
            format!(
                "+33{}{:08}",
                rng.random_range(1..6),
                rng.random_range(0..100_000_000)
            )
        } else {
            String::new()
        };
        let courriels = if rng.random_bool(0.6) {
            format!("contact-{n}@exemple.fr")
        } else {
            String::new()
        };
        let site_web = if rng.random_bool(0.4) {
            format!("https://lieu-{n}.exemple.fr")
        } else {
            String::new()
        };
        let horaires = if rng.random_bool(0.85) {
            pick(rng, HOURS)
        } else {
            ""
        };
        let typologie = [pick(rng, kind.typologie)].into_iter().collect();
        let frais_a_charge = [pick(rng, kind.frais)].into_iter().collect();

        let texts = PlaceTexts::new(|field| match field {
            TextField::Id => &id,
            TextField::Pivot => &pivot,
            TextField::Nom => &nom,
            TextField::Commune => &commune.nom,
            TextField::CodePostal => &commune.code_postal,
            TextField::CodeInsee => &commune.code_insee,
            TextField::Adresse => &adresse,
            TextField::Telephone => &telephone,
            TextField::Courriels => &courriels,
            TextField::SiteWeb => &site_web,
            TextField::Horaires => horaires,
            TextField::PresentationResume => kind.resume,
            TextField::Source => "lieux generate",
            _ => "",
        });
        Place {
            texts,
            latitude: (latitude * 1e6).round() / 1e6,
            longitude: (longitude * 1e6).round() / 1e6,
            typologie,
            itinerance: [if itinerant {
                Itinerance::Itinerant
            } else {
                Itinerance::Fixe
            }]
            .into_iter()
            .collect(),
            date_maj,
            date_precision: crate::place::DatePrecision::Day,
            services,
            publics_specifiquement_adresses: publics,
            prise_en_charge_specifique: prise_en_charge,
            frais_a_charge,
            dispositif_programmes_nationaux: dispositif,
            formations_labels: VocabSet::new(),
            modalites_acces,
            modalites_accompagnement: accompagnement,
            autres_valeurs: Box::default(),
        }
    }
}

fn pick<T: Copy>(rng: &mut impl Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Two independent standard normal values (Box-Muller).
fn gaussian_pair(rng: &mut impl Rng) -> (f64, f64) {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random_range(0.0..1.0);
    let r = (-2.0 * u1.ln()).sqrt();
    let theta = std::f64::consts::TAU * u2;
    (r * theta.cos(), r * theta.sin())
}

/// `count` seeded places spread over the bundled gazetteer (`data/communes.csv`), for tests.
#[cfg(test)]
pub(crate) fn test_places(count: u64, seed: u64) -> Vec<Place> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/communes.csv");
    let gazetteer = Gazetteer::from_csv(&path).expect("data/communes.csv reads");
    let mut generator = Generator::new(&gazetteer, seed);
    (0..count).map(|n| generator.place(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gazetteer() -> Gazetteer {
        let commune = |code: &str, nom: &str, lat, lon, population| Commune {
            code_insee: code.into(),
            nom: nom.into(),
            code_postal: format!("{}000", &code[..2]),
            latitude: lat,
            longitude: lon,
            population,
        };
        Gazetteer::new(vec![
            commune("49007", "Angers", 47.47, -0.55, 155_000),
            commune("49001", "Petit", 47.3, -0.3, 100),
        ])
    }

    #[test]
    fn the_same_seed_gives_the_same_places() {
        let g = gazetteer();
        let a: Vec<Place> = (0..50)
            .map({
                let mut gen = Generator::new(&g, 7);
                move |i| gen.place(i)
            })
            .collect();
        let b: Vec<Place> = (0..50)
            .map({
                let mut gen = Generator::new(&g, 7);
                move |i| gen.place(i)
            })
            .collect();
        let c: Vec<Place> = (0..50)
            .map({
                let mut gen = Generator::new(&g, 8);
                move |i| gen.place(i)
            })
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn places_follow_the_population_and_have_services() {
        let g = gazetteer();
        let mut gen = Generator::new(&g, 1);
        let places: Vec<Place> = (0..2000).map(|i| gen.place(i)).collect();
        let in_angers = places.iter().filter(|p| p.commune() == "Angers").count();
        assert!(in_angers > 1900, "{in_angers}");
        assert!(places
            .iter()
            .all(|p| !p.services.is_empty() && !p.typologie.is_empty()));
        assert!(places.iter().all(|p| (p.latitude - 47.4).abs() < 0.5));
    }
}
