// @generated from ../shared/data/raw/schema/lamednum_schema_v1.0.2.json and
// data-inclusion_typologies-de-structures_v0.json; labels are the standard's, verbatim.

vocabulary! {
    /// Whether the place is fixed or travelling (bus numérique…).
    Itinerance, "itinerance", u32 {
        Itinerant => "Itinérant",
        Fixe => "Fixe",
    }
}

vocabulary! {
    /// What a person can get help with.
    Service, "services", u32 {
        AideAuxDemarchesAdministratives => "Aide aux démarches administratives",
        MaitriseDesOutilsNumeriquesDuQuotidien => "Maîtrise des outils numériques du quotidien",
        InsertionProfessionnelleViaLeNumerique => "Insertion professionnelle via le numérique",
        UtilisationSecuriseeDuNumerique => "Utilisation sécurisée du numérique",
        ParentaliteEtEducationAvecLeNumerique => "Parentalité et éducation avec le numérique",
        LoisirsEtCreationsNumeriques => "Loisirs et créations numériques",
        ComprehensionDuMondeNumerique => "Compréhension du monde numérique",
        AccesInternetEtMaterielInformatique => "Accès internet et matériel informatique",
        AcquisitionDeMaterielInformatiqueAPrixSolidaire => "Acquisition de matériel informatique à prix solidaire",
    }
}

vocabulary! {
    /// Audiences a place specifically addresses.
    Public, "publics_specifiquement_adresses", u32 {
        Jeunes => "Jeunes",
        Etudiants => "Étudiants",
        FamillesEtOuEnfants => "Familles et/ou enfants",
        Seniors => "Seniors",
        Femmes => "Femmes",
    }
}

vocabulary! {
    /// Specific support a place offers (disabilities, languages…).
    PriseEnCharge, "prise_en_charge_specifique", u32 {
        Surdite => "Surdité",
        HandicapsMoteurs => "Handicaps moteurs",
        HandicapsMentaux => "Handicaps mentaux",
        Illettrisme => "Illettrisme",
        LanguesEtrangeresAnglais => "Langues étrangères (anglais)",
        LanguesEtrangeresAutres => "Langues étrangères (autres)",
        DeficienceVisuelle => "Déficience visuelle",
    }
}

vocabulary! {
    /// What the visit costs.
    Frais, "frais_a_charge", u32 {
        Gratuit => "Gratuit",
        GratuitSousCondition => "Gratuit sous condition",
        Payant => "Payant",
    }
}

vocabulary! {
    /// National programmes the place belongs to.
    Dispositif, "dispositif_programmes_nationaux", u32 {
        AidantsConnect => "Aidants Connect",
        BibliothequesNumeriqueDeReference => "Bibliothèques numérique de référence",
        CertificationPix => "Certification PIX",
        ConseillersNumeriques => "Conseillers numériques",
        EmmausConnect => "Emmaüs Connect",
        FranceServices => "France Services",
        GrandeEcoleDuNumerique => "Grande école du numérique",
        LaCroixRouge => "La Croix Rouge",
        PointDAccesNumeriqueCaf => "Point d'accès numérique CAF",
        PromeneursDuNet => "Promeneurs du net",
        RelaisNumeriqueEmmausConnect => "Relais numérique (Emmaüs Connect)",
    }
}

vocabulary! {
    /// Trainings and labels of the staff.
    FormationLabel, "formations_labels", u32 {
        FormeAMonEspaceSante => "Formé à « Mon Espace Santé »",
        FormeADuplexIllettrisme => "Formé à « DUPLEX » (illettrisme)",
        ArniaMednumBfcBourgogneFrancheComte => "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
        CollectifRessourcesEtActeursReemploiNormandie => "Collectif ressources et acteurs réemploi (Normandie)",
        EtapesNumeriquesLaPoste => "Étapes numériques(La Poste)",
        FabriquesDeTerritoire => "Fabriques de Territoire",
        LesEclaireursDuNumeriqueDrome => "Les Éclaireurs du numérique (Drôme)",
        MesPapiersMetropoleDeLyon => "Mes Papiers (Métropole de Lyon)",
        Ordi30 => "ORDI 3.0",
        SudLabsPaca => "SUD LABS (PACA)",
    }
}

vocabulary! {
    /// How to get in touch before coming.
    ModaliteAcces, "modalites_acces", u32 {
        SePresenter => "Se présenter",
        Telephoner => "Téléphoner",
        ContacterParMail => "Contacter par mail",
        PrendreUnRdvEnLigne => "Prendre un RDV en ligne",
        CeLieuNAccueillePasDePublic => "Ce lieu n'accueille pas de public",
        EnvoyerUnMailAvecUneFicheDePrescription => "Envoyer un mail avec une fiche de prescription",
    }
}

vocabulary! {
    /// How the help is given.
    ModaliteAccompagnement, "modalites_accompagnement", u32 {
        EnAutonomie => "En autonomie",
        AccompagnementIndividuel => "Accompagnement individuel",
        DansUnAtelierCollectif => "Dans un atelier collectif",
        ADistance => "À distance",
    }
}

vocabulary! {
    /// Structure types: the data·inclusion `typologies-de-structures` codes.
    Typologie, "typologie", u128 {
        Aci => "ACI",
        Aciphc => "ACIPHC",
        Afpa => "AFPA",
        Ai => "AI",
        Ase => "ASE",
        Asso => "ASSO",
        AssoChomeur => "ASSO_CHOMEUR",
        Avip => "AVIP",
        Autre => "Autre",
        Bib => "BIB",
        Caarud => "CAARUD",
        Cada => "CADA",
        Caf => "CAF",
        CapEmploi => "CAP_EMPLOI",
        Cava => "CAVA",
        Cc => "CC",
        Ccas => "CCAS",
        Ccons => "CCONS",
        Cd => "CD",
        Cdas => "CDAS",
        Cfp => "CFP",
        Chrs => "CHRS",
        Chu => "CHU",
        Cias => "CIAS",
        Cidff => "CIDFF",
        Citmet => "CITMET",
        Cmp => "CMP",
        Cms => "CMS",
        Cpam => "CPAM",
        Cph => "CPH",
        Cs => "CS",
        Csapa => "CSAPA",
        Csc => "CSC",
        Deets => "DEETS",
        Dept => "DEPT",
        Diplp => "DIPLP",
        E2c => "E2C",
        Ea => "EA",
        Eatt => "EATT",
        Ei => "EI",
        Eiti => "EITI",
        Enm => "ENM",
        Epci => "EPCI",
        Epi => "EPI",
        Epide => "EPIDE",
        Epn => "EPN",
        Es => "ES",
        Ess => "ESS",
        EtablPri => "ETABL_PRI",
        EtablPub => "ETABL_PUB",
        Etat => "ETAT",
        Etti => "ETTI",
        Evs => "EVS",
        Fablab => "FABLAB",
        Fais => "FAIS",
        Ft => "FT",
        Geiq => "GEIQ",
        Huda => "HUDA",
        LaPoste => "LA_POSTE",
        Mda => "MDA",
        Mde => "MDE",
        Mdef => "MDEF",
        Mdph => "MDPH",
        Mds => "MDS",
        Mjc => "MJC",
        Ml => "ML",
        Mq => "MQ",
        Msa => "MSA",
        Msap => "MSAP",
        Muni => "MUNI",
        Oacas => "OACAS",
        Odc => "ODC",
        Of => "OF",
        Oil => "OIL",
        Opcs => "OPCS",
        Pad => "PAD",
        Pension => "PENSION",
        Pi => "PI",
        PijBij => "PIJ_BIJ",
        Pimms => "PIMMS",
        Pjj => "PJJ",
        Plie => "PLIE",
        Pref => "PREF",
        Prevention => "PREVENTION",
        Reg => "REG",
        Ressourcerie => "RESSOURCERIE",
        Rfs => "RFS",
        RsFjt => "RS_FJT",
        Scp => "SCP",
        Spip => "SPIP",
        TiersLieux => "TIERS_LIEUX",
        Udaf => "UDAF",
    }
}

impl Typologie {
    /// The human-readable label of the code, as data·inclusion publishes it.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Self::Aci => "Structures porteuses d’ateliers et chantiers d’insertion (ACI)",
            Self::Aciphc => "SIAE — Atelier chantier d’insertion premières heures en chantier",
            Self::Afpa => "Agence nationale pour la formation professionnelle des adultes (AFPA)",
            Self::Ai => "Associations intermédiaires (AI)",
            Self::Ase => "Aide sociale à l’enfance (ASE)",
            Self::Asso => "Associations",
            Self::AssoChomeur => "Associations de chômeurs",
            Self::Avip => "Crèche À Vocation d’Insertion Professionnelle (AVIP)",
            Self::Autre => "Autre",
            Self::Bib => "Bibliothèque / Médiathèque",
            Self::Caarud => "CAARUD - Centre d’accueil et d’accompagnement à la réduction de risques pour usagers de drogues",
            Self::Cada => "Centres d’accueil de demandeurs d’asile (CADA)",
            Self::Caf => "Caisses d’allocation familiale (CAF)",
            Self::CapEmploi => "Cap Emploi",
            Self::Cava => "Centres d’adaptation à la vie active (CAVA)",
            Self::Cc => "Communautés de Commune",
            Self::Ccas => "Centres communaux d’action sociale (CCAS)",
            Self::Ccons => "Chambres consulaires (CCI, CMA, CA)",
            Self::Cd => "Conseils Départementaux (CD)",
            Self::Cdas => "Centre Départementale d’Action Sociale (CDAS)",
            Self::Cfp => "Centre des Finances Publiques (CFP)",
            Self::Chrs => "Centres d’hébergement et de réinsertion sociale (CHRS)",
            Self::Chu => "Centres d’hébergement d’urgence (CHU)",
            Self::Cias => "Centres intercommunaux d’action sociale (CIAS)",
            Self::Cidff => "Centres d’information sur les droits des femmes et des familles (CIDFF)",
            Self::Citmet => "Cité des métiers",
            Self::Cmp => "Centre Médico-Psychologique (CMP)",
            Self::Cms => "Centre Médico-Social (CMS)",
            Self::Cpam => "Caisse Primaire d’Assurance Maladie (CPAM)",
            Self::Cph => "Centres provisoires d’hébergement (CPH)",
            Self::Cs => "Centre social",
            Self::Csapa => "CSAPA - Centre de soins, d’accompagnement et de prévention en addictologie",
            Self::Csc => "Centre Socio-Culturel (CSC)",
            Self::Deets => "Directions de l’Economie, de l’Emploi, du Travail et des Solidarités (DEETS)",
            Self::Dept => "Services sociaux du Conseil départemental",
            Self::Diplp => "Délégation interministérielles à la prévention et à la lutte contre la pauvreté",
            Self::E2c => "E2C - École de la 2e chance",
            Self::Ea => "Entreprise adaptée (EA)",
            Self::Eatt => "Entreprise Adaptée (EATT)",
            Self::Ei => "Entreprises d’insertion (EI)",
            Self::Eiti => "Entreprises d’insertion par le travail indépendant (EITI)",
            Self::Enm => "Espace Numérique Mobile (ENM)",
            Self::Epci => "Intercommunalité (EPCI)",
            Self::Epi => "Espace Public Internet (EPI)",
            Self::Epide => "EPIDE - Établissement pour l’insertion dans l’emploi",
            Self::Epn => "Espace Public Numérique (EPN)",
            Self::Es => "Épicerie Solidaire",
            Self::Ess => "Entreprise de l’Économie Sociale et Solidaire",
            Self::EtablPri => "Établissement privé",
            Self::EtablPub => "Établissement public",
            Self::Etat => "Service de l’État",
            Self::Etti => "Entreprises de travail temporaire d’insertion (ETTI)",
            Self::Evs => "Espace de Vie Sociale (EVS)",
            Self::Fablab => "Fablab / Atelier partagé",
            Self::Fais => "Fédérations d’acteurs de l’insertion et de la solidarité",
            Self::Ft => "France Travail",
            Self::Geiq => "Groupements d’employeurs pour l’insertion et la qualification (GEIQ)",
            Self::Huda => "HUDA - Hébergement d’urgence pour demandeurs d’asile",
            Self::LaPoste => "Bureau de poste / Agence postale",
            Self::Mda => "Maison Départementale de l’Autonomie",
            Self::Mde => "Maison de l’emploi",
            Self::Mdef => "Maison de l’emploi et de la formation",
            Self::Mdph => "Maison Départementale des Personnes Handicapées",
            Self::Mds => "Maison Départementale des Solidarités",
            Self::Mjc => "Maison des jeunes et de la culture",
            Self::Ml => "Mission Locale",
            Self::Mq => "Maison de quartier",
            Self::Msa => "Mutualité Sociale Agricole",
            Self::Msap => "Maison de Services Au Public (MSAP)",
            Self::Muni => "Municipalités",
            Self::Oacas => "Structures agréées Organisme d’accueil communautaire et d’activité solidaire (OACAS)",
            Self::Odc => "Organisation délégataire d’un CD",
            Self::Of => "Organisme de formations",
            Self::Oil => "Opérateur d’intermédiation locative",
            Self::Opcs => "Organisation porteuse de la clause sociale",
            Self::Pad => "Point d’Accès au Droit",
            Self::Pension => "Pension de famille / résidence accueil",
            Self::Pi => "Point Information (PI)",
            Self::PijBij => "Points et bureaux information jeunesse (PIJ/BIJ)",
            Self::Pimms => "Point Information Médiation Multi Services (PIMMS)",
            Self::Pjj => "Protection judiciaire de la jeunesse (PJJ)",
            Self::Plie => "Plans locaux pour l’insertion et l’emploi (PLIE)",
            Self::Pref => "Préfecture, Sous-Préfecture",
            Self::Prevention => "Service ou club de prévention",
            Self::Reg => "Région",
            Self::Ressourcerie => "Ressourcerie",
            Self::Rfs => "Réseau France Services",
            Self::RsFjt => "Résidence sociale / FJT - Foyer de Jeunes Travailleurs",
            Self::Scp => "Services et clubs de prévention",
            Self::Spip => "Services pénitentiaires d’insertion et de probation (SPIP)",
            Self::TiersLieux => "Tiers lieu & coworking",
            Self::Udaf => "Union Départementale d’Aide aux Familles (UDAF)",
        }
    }
}
