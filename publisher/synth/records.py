"""Synthetic working trips, written the way ours are: one press release, the records it supports.

Each trip is one file: the trip, its meetings and agreements, the press release (a source
with its full text) and every person, post, membership, organization and place the release
mentions for the first time. Later trips link back to what earlier ones introduced (the same
akim travels again, a company is met twice), so the archive has the cross-file links a real
one has. Every record quotes a sentence or phrase that the generator put into the text of
the release it cites, so the shapes' "quote occurs in the source" check holds by construction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from publisher.months import MONTHS
from publisher.synth.turtle import Resource, text, typed
from publisher.synth.world import (
    COUNTRIES,
    HOME,
    INDUSTRIES,
    KAZAKH_GIVEN,
    KAZAKH_SURNAMES,
    KINDS,
    PEOPLE,
    REGIONS,
    ROLES,
    TOPIC_PHRASES,
    Country,
    Industry,
    Province,
    Region,
)

PREFIX = "synthetic-"
UNNAMED_RU = " (имя в источнике не названо)"
UNNAMED_EN = " (name not given in the source)"
TOPIC_EN = {
    "investment-projects": "investment projects",
    "aquaculture": "aquaculture",
    "tourism": "tourism",
    "digitalisation": "digitalisation",
    "smart-solutions": "smart solutions",
    "digital-infrastructure": "digital infrastructure",
    "special-vehicle-manufacturing": "special-purpose vehicle manufacturing",
    "transport-and-logistics-infrastructure": "transport and logistics infrastructure",
    "seaport-construction": "seaport construction",
}


@dataclass
class Person:
    iri: str
    ru: str | None  # None: the source does not name them
    en: str | None
    kk: str | None
    title_ru: str
    title_en: str
    employer: str  # IRI of the organization


@dataclass
class Company:
    iri: str
    name: str
    industry: Industry
    country: Country
    staff: dict[str, Person] = field(default_factory=dict)  # role slug -> person


@dataclass
class Trip:
    """What one press release says, as records and as the sentences of its text."""

    number: int
    source: str
    paragraphs: list[list[str]] = field(default_factory=list)
    events: list[Resource] = field(default_factory=list)
    agreements: list[Resource] = field(default_factory=list)
    introduced: list[Resource] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)

    def say(self, sentence: str) -> str:
        self.paragraphs[-1].append(sentence)
        return sentence

    def cite(self, resource: Resource, *quotes: str) -> Resource:
        resource.add("prov:wasDerivedFrom", self.source)
        resource.add("mtg:quote", *(text(q, "ru") for q in quotes))
        self.quotes.extend(quotes)
        return resource

    @property
    def text(self) -> str:
        return "\n\n".join(" ".join(paragraph) for paragraph in self.paragraphs)


class Archive:
    """The generator's memory across trips: who and what has been introduced, and where."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.seed = seed
        self.known: set[str] = set()
        self.akims: dict[str, Person] = {}
        self.deputies: dict[str, Person] = {}
        self.companies: dict[str, list[Company]] = {}
        self.company_names: set[str] = set()
        self.officials: dict[str, Person] = {}
        self.serial = 0

    def next_id(self) -> int:
        self.serial += 1
        return self.serial

    # ------------------------------------------------------------ a trip

    def trip(self, number: int, meetings: int) -> Trip:
        """One working trip with ``meetings`` meetings, and everything its release introduces."""
        pick = self.random
        region, country = pick.choice(REGIONS), pick.choice(COUNTRIES)
        trip = Trip(number=number, source=f"source:{PREFIX}press-release-{number:06d}")
        trip.paragraphs.append([])
        dated = pick.random() < 0.6
        start = date(pick.randint(2015, 2024), pick.randint(1, 12), pick.randint(1, 28))

        akim = self._akim(trip, region)
        who = f"{region.ru_gen} (Республика Казахстан) {akim.ru}"
        opening = (
            f"{_day(start)} {start.year} года аким {who} начал рабочую поездку в {country.ru_acc}."
            if dated
            else f"Аким {who} совершил рабочую поездку в {country.ru_acc}."
        )
        trip.say(opening)
        self._region_body(trip, region)
        self._country(trip, country)
        travellers = [akim]
        if pick.random() < 0.3:
            deputy = self._deputy(trip, region)
            travellers.append(deputy)

        event = Resource(f"trip:{PREFIX}{number:06d}", "mtg:Trip", "schema:Event")
        event.names(
            f"Рабочая поездка акима {region.ru_gen} в {country.ru_acc} (синтетическая запись № {number})",
            f"Working trip of the Akim of {region.en} to {country.en} (synthetic record no. {number})",
        )
        event.add("schema:location", self._place_iri(country.slug))
        event.add("schema:attendee", *(p.iri for p in travellers))
        trip.events.append(event)

        day, previous = start, None
        for index in range(1, meetings + 1):
            same_day = previous is not None and _has_date(previous) and pick.random() < 0.35
            if previous is not None and not same_day:
                day += timedelta(days=pick.choice((1, 1, 2)))
            previous = self._meeting(
                trip, event, index, region, country, travellers, day, dated, same_day, previous
            )
        if dated:
            event.add("schema:startDate", typed(start.isoformat(), "xsd:date"))
            event.add("schema:endDate", typed(day.isoformat(), "xsd:date"))
        trip.cite(event, opening)
        trip.introduced.append(self._source(trip, region, country, dated and day))
        return trip

    # ------------------------------------------------------------ meetings

    def _meeting(
        self,
        trip: Trip,
        event: Resource,
        index: int,
        region: Region,
        country: Country,
        travellers: list[Person],
        day: date,
        dated: bool,
        same_day: bool,
        previous: Resource | None,
    ) -> Resource:
        pick = self.random
        trip.paragraphs.append([])
        meeting = Resource(f"meeting:{PREFIX}{trip.number:06d}-{index:02d}", "mtg:Meeting", "schema:Event")
        event.add("schema:subEvent", meeting.subject)
        meeting.add("schema:superEvent", event.subject)

        province = pick.choice(country.provinces)
        city = pick.choice(province.cities)
        where, place = self._where(trip, country, province, city)

        stated = (index == 1 and dated) or pick.random() < 0.8
        if same_day:
            when = "В тот же день"
            meeting.add("mtg:dateAsStated", text("в тот же день", "ru"))
            meeting.add("mtg:sameDayAs", previous.subject)
            previous.add("mtg:sameDayAs", meeting.subject)
        elif stated:
            when = _day(day)
            meeting.add("mtg:dateAsStated", text(when, "ru"))
        else:
            when = ""
        if dated and (stated or same_day):
            meeting.add("schema:startDate", typed(day.isoformat(), "xsd:date"))
            if pick.random() < 0.3:
                meeting.add("mtg:edtfDate", typed(day.isoformat(), "edtf:EDTF"))
        elif stated and not same_day:
            meeting.add("mtg:edtfDate", typed(f"XXXX-{day.month:02d}-{day.day:02d}", "edtf:EDTF"))

        if pick.random() < 0.8:
            partner = self._company(trip, country)
            counterpart = f"руководством компании {partner.name}"
            people = self._staff(trip, partner)
            topics = list(partner.industry.topics)
            party, party_ru = partner.iri, f"компанией {partner.name}"
            party_en = partner.name
        else:
            official = self._official(trip, country, province)
            counterpart = f"представителями правительства {province.ru_gen}"
            people = [official]
            topics = [pick.choice(list(TOPIC_PHRASES))]
            party, party_ru = official.employer, f"правительством {province.ru_gen}"
            party_en = f"the Government of {province.en}"

        opening = " ".join(part for part in (when, where, "состоялась встреча акима") if part)
        opening = f"{opening[0].upper()}{opening[1:]} {region.ru_gen} с {counterpart}."
        trip.say(opening)
        named = [self._mention(p) for p in people]
        participants = trip.say(
            f"В переговорах {'принял' if len(named) == 1 else 'приняли'} участие {_enumerate(named)}."
        )
        discussed = trip.say(f"Стороны обсудили {_enumerate([TOPIC_PHRASES[t] for t in topics])}.")

        attendees = [travellers[0], *people]
        if len(travellers) > 1 and pick.random() < 0.5:
            attendees.append(travellers[1])
        meeting.names(
            f"Встреча акима {region.ru_gen} с {counterpart}" + (f" в городе {city[1]}" if place else ""),
            f"Meeting of the Akim of {region.en} with {party_en}" + (f" in {city[2]}" if place else ""),
        )
        if place:
            meeting.add("schema:location", place)
        meeting.add("schema:attendee", *(p.iri for p in attendees))
        meeting.add("schema:about", *(f"topic:{t}" for t in topics))
        trip.cite(meeting, opening, participants, discussed)
        trip.events.append(meeting)

        signed = 0 if pick.random() < 0.55 else (2 if pick.random() < 0.1 else 1)
        for number in range(1, signed + 1):
            self._agreement(trip, meeting, number, region, people, topics, party, party_ru, party_en)
        return meeting

    def _where(self, trip: Trip, country: Country, province: Province, city) -> tuple[str, str | None]:
        """Where the release says the meeting was (or nothing), introducing the places it names."""
        roll = self.random.random()
        if roll < 0.15:
            return "", None
        region_words = f"({province.ru_paren})"
        city_iri = self._city(trip, country, province, city, f"{city[1]} {region_words}")
        if roll < 0.25:
            iri = self._place_iri(f"{city[0]}-exhibition-centre")
            if iri not in self.known:
                venue = Resource(iri, "schema:Place")
                venue.names(f"Выставочный центр города {city[1]}", f"{city[2]} Exhibition Centre")
                venue.add("schema:containedInPlace", city_iri)
                trip.introduced.append(trip.cite(venue, f"выставочном центре города {city[1]}"))
                self.known.add(iri)
            return f"в выставочном центре города {city[1]} {region_words}", iri
        return f"в городе {city[1]} {region_words}", city_iri

    # ------------------------------------------------------------ agreements

    def _agreement(
        self,
        trip: Trip,
        meeting: Resource,
        number: int,
        region: Region,
        people: list[Person],
        topics: list[str],
        party: str,
        party_ru: str,
        party_en: str,
    ) -> None:
        pick = self.random
        kind = pick.choice(list(KINDS))
        kind_ru, kind_en = KINDS[kind]
        topic = pick.choice(topics)
        agreement = Resource(f"agreement:{meeting.subject.split(':', 1)[1]}-{number}", "mtg:Agreement")
        agreement.types.append("schema:CreativeWork")
        akimat = self._akimat_iri(region)
        quotes = []
        if pick.random() < 0.25:
            quotes.append(trip.say(f"Подписан трехсторонний {kind_ru}."))
            agreement.names(
                f"Трехсторонний {kind_ru}: {TOPIC_PHRASES[topic]}",
                f"Trilateral {kind_en}: {TOPIC_EN[topic]}",
            )
            agreement.add("mtg:numberOfParties", "3")
            if pick.random() < 0.5:
                agreement.add("mtg:party", akimat, party)
        elif pick.random() < 0.6:
            quotes.append(
                trip.say(f"По итогам встречи подписан {kind_ru} между акиматом {region.ru_gen} и {party_ru}.")
            )
            agreement.names(
                f"{kind_ru[0].upper()}{kind_ru[1:]} между акиматом {region.ru_gen} и {party_ru}",
                f"{kind_en[0].upper()}{kind_en[1:]} between the Akimat of {region.en} and {party_en}",
            )
            agreement.add("mtg:party", akimat, party)
            if pick.random() < 0.5:
                agreement.add("mtg:numberOfParties", "2")
            signer = next((p for p in people if p.ru), None)
            if signer is not None:
                akim = self.akims[region.slug]
                quotes.append(
                    trip.say(f"Документ подписали аким {region.ru_gen} {akim.ru} и {self._mention(signer)}.")
                )
                agreement.add("mtg:signatory", akim.iri, signer.iri)
        else:
            quotes.append(trip.say(f"По итогам переговоров подписан {kind_ru}."))
            agreement.names(
                f"{kind_ru[0].upper()}{kind_ru[1:]}: {TOPIC_PHRASES[topic]}",
                f"{kind_en[0].upper()}{kind_en[1:]}: {TOPIC_EN[topic]}",
            )
        agreement.add("mtg:agreementKind", f"kind:{kind}")
        if pick.random() < 0.75:
            agreement.add("schema:about", f"topic:{topic}")
        agreement.add("mtg:signedAt", meeting.subject)
        trip.agreements.append(trip.cite(agreement, *quotes))

    # ------------------------------------------------------------ people and organizations

    def _akim(self, trip: Trip, region: Region) -> Person:
        if region.slug not in self.akims:
            person = self._kazakh(f"Аким {region.ru_gen}", f"Akim of {region.en}", self._akimat_iri(region))
            self.akims[region.slug] = person
            resource = self._person_record(person, f"post:{PREFIX}akim-of-{region.slug}")
            trip.introduced.append(trip.cite(resource, f"{region.ru_gen} (Республика Казахстан) {person.ru}"))
        return self.akims[region.slug]

    def _deputy(self, trip: Trip, region: Region) -> Person:
        if region.slug not in self.deputies:
            person = self._kazakh(
                f"Заместитель акима {region.ru_gen}", f"Deputy akim of {region.en}", self._akimat_iri(region)
            )
            self.deputies[region.slug] = person
            resource = self._person_record(person, f"post:{PREFIX}deputy-akim-of-{region.slug}")
            trip.introduced.append(trip.cite(resource, f"заместитель акима {region.ru_gen} {person.ru}"))
        person = self.deputies[region.slug]
        trip.say(f"Его сопровождал заместитель акима {region.ru_gen} {person.ru}.")
        return person

    def _kazakh(self, title_ru: str, title_en: str, employer: str) -> Person:
        (given_ru, given_en, given_kk), (sur_ru, sur_en, sur_kk) = (
            self.random.choice(KAZAKH_GIVEN),
            self.random.choice(KAZAKH_SURNAMES),
        )
        en = f"{given_en} {sur_en}"
        return Person(
            iri=f"person:{PREFIX}{_slug(en)}-{self.next_id()}",
            ru=f"{given_ru} {sur_ru}",
            en=en,
            kk=f"{given_kk} {sur_kk}",
            title_ru=title_ru,
            title_en=title_en,
            employer=employer,
        )

    def _foreigner(
        self, country: Country, title_ru: str, title_en: str, employer: str, unnamed: bool
    ) -> Person:
        given, surnames = PEOPLE[country.names]
        if unnamed:
            ru = en = None
            slug = _slug(title_en)
        else:
            (given_ru, given_en), (sur_ru, sur_en) = self.random.choice(given), self.random.choice(surnames)
            if country.names == "chinese" and self.random.random() < 0.5:
                extra_ru, extra_en = self.random.choice(given)
                given_ru, given_en = given_ru + extra_ru.lower(), given_en + extra_en.lower()
            eastern = country.names in ("chinese", "korean", "japanese")
            ru = f"{sur_ru} {given_ru}" if eastern else f"{given_ru} {sur_ru}"
            en = f"{sur_en} {given_en}" if eastern else f"{given_en} {sur_en}"
            slug = _slug(en)
        return Person(f"person:{PREFIX}{slug}-{self.next_id()}", ru, en, None, title_ru, title_en, employer)

    def _person_record(self, person: Person, post: str | None = None) -> Resource:
        resource = Resource(person.iri, "schema:Person")
        if person.ru:
            resource.names(person.ru, person.en, person.kk)
        else:
            resource.add("mtg:unnamedInSource", "true")
            resource.names(person.title_ru + UNNAMED_RU, person.title_en + UNNAMED_EN, predicate="rdfs:label")
        resource.names(person.title_ru, person.title_en, predicate="schema:jobTitle")
        resource.add("schema:worksFor", person.employer)
        if post:
            resource.add("org:holds", post)
        self.known.add(person.iri)
        return resource

    def _mention(self, person: Person) -> str:
        """How the release names a person: their title, then their name where the source gives it."""
        title = person.title_ru[0].lower() + person.title_ru[1:]
        return f"{title} {person.ru}" if person.ru else title

    def _company(self, trip: Trip, country: Country) -> Company:
        known = self.companies.setdefault(country.slug, [])
        if known and self.random.random() < 0.35:
            return self.random.choice(known)
        industry = self.random.choice(INDUSTRIES)
        stem, form = self.random.choice(country.company_stems), self.random.choice(country.company_forms)
        name = f"{stem} {industry.en} {form}"
        while name in self.company_names:
            name = name.replace(industry.en, f"{industry.en} {self.next_id()}", 1)
        self.company_names.add(name)
        company = Company(f"organization:{PREFIX}{_slug(name)}", name, industry, country)
        known.append(company)
        resource = Resource(company.iri, "schema:Corporation", "org:FormalOrganization")
        resource.names(name, name)
        trip.introduced.append(trip.cite(resource, f"компании {name}"))
        self.known.add(company.iri)
        return company

    def _staff(self, trip: Trip, company: Company) -> list[Person]:
        """The one to three people of a company at a meeting; each role has one holder."""
        roles = self.random.sample(list(ROLES), self.random.choice((1, 1, 2, 2, 3)))
        people = []
        for role in roles:
            if role not in company.staff:
                title_ru, title_en = ROLES[role]
                person = self._foreigner(
                    company.country,
                    f"{title_ru} компании {company.name}",
                    f"{title_en} of {company.name}",
                    company.iri,
                    unnamed=self.random.random() < 0.1,
                )
                person.title_ru = person.title_ru[0].upper() + person.title_ru[1:]
                person.title_en = person.title_en[0].upper() + person.title_en[1:]
                company.staff[role] = person
                quote = self._mention(person)
                trip.introduced.append(trip.cite(self._person_record(person), quote))
                trip.introduced.append(trip.cite(self._membership(person, company, role), quote))
            people.append(company.staff[role])
        return people

    def _membership(self, person: Person, company: Company, role: str) -> Resource:
        title_ru, title_en = ROLES[role]
        iri = f"membership:{person.iri.split(':', 1)[1]}"
        membership = Resource(iri, "org:Membership", "schema:OrganizationRole")
        if person.ru:
            membership.names(
                f"{person.ru} — {title_ru} {company.name}", f"{person.en}, {title_en} of {company.name}"
            )
        else:
            membership.names(person.title_ru, person.title_en)
        membership.names(title_ru, title_en, predicate="schema:roleName")
        membership.add("org:member", person.iri)
        membership.add("org:organization", company.iri)
        membership.add("org:role", f"role:{role}")
        return membership

    def _official(self, trip: Trip, country: Country, province: Province) -> Person:
        """The vice-governor of a province, with the post and the government it belongs to."""
        if province.slug in self.officials:
            return self.officials[province.slug]
        government = f"organization:{PREFIX}government-of-{province.slug}"
        post = f"post:{PREFIX}vice-governor-of-{province.slug}"
        quote = f"правительства {province.ru_gen}"
        self._province(trip, country, province, quote)
        body = Resource(government, "schema:GovernmentOrganization", "org:FormalOrganization")
        body.names(
            f"Правительство {province.ru_gen}", f"Government of {province.en}", f"{province.kk} үкіметі"
        )
        body.add("schema:areaServed", self._place_iri(province.slug))
        body.add("org:hasPost", post)
        office = Resource(post, "org:Post", "schema:OrganizationRole")
        office.names(
            f"Вице-губернатор {province.ru_gen}",
            f"Vice-governor of {province.en}",
            f"{province.kk} вице-губернаторы",
        )
        office.names("вице-губернатор", "vice-governor", predicate="schema:roleName")
        office.add("org:postIn", government)
        person = self._foreigner(
            country,
            f"Вице-губернатор {province.ru_gen}",
            f"Vice-governor of {province.en}",
            government,
            False,
        )
        self.officials[province.slug] = person
        trip.introduced.append(trip.cite(body, quote))
        trip.introduced.append(trip.cite(office, quote))
        trip.introduced.append(trip.cite(self._person_record(person, post), self._mention(person)))
        return person

    def _region_body(self, trip: Trip, region: Region) -> None:
        """The region, its akimat and the akimat's posts, the first time a release names them."""
        akimat = self._akimat_iri(region)
        if akimat in self.known:
            return
        self.known.add(akimat)
        self._home_country(trip)
        quote = f"{region.ru_gen} (Республика Казахстан)"
        place = Resource(self._place_iri(region.slug), "schema:AdministrativeArea")
        place.names(region.ru, region.en, region.kk)
        place.add("schema:containedInPlace", self._place_iri(HOME[0]))
        body = Resource(akimat, "schema:GovernmentOrganization", "org:FormalOrganization")
        body.names(f"Акимат {region.ru_gen}", f"Akimat of {region.en}", f"{region.kk}ның әкімдігі")
        body.add("schema:areaServed", place.subject)
        posts = []
        for slug, ru, en, kk in (
            (
                f"akim-of-{region.slug}",
                f"Аким {region.ru_gen}",
                f"Akim of {region.en}",
                f"{region.kk}ның әкімі",
            ),
            (
                f"deputy-akim-of-{region.slug}",
                f"Заместитель акима {region.ru_gen}",
                f"Deputy akim of {region.en}",
                f"{region.kk} әкімінің орынбасары",
            ),
        ):
            post = Resource(f"post:{PREFIX}{slug}", "org:Post", "schema:OrganizationRole")
            post.names(ru, en, kk)
            post.add("org:postIn", akimat)
            body.add("org:hasPost", post.subject)
            posts.append(trip.cite(post, quote))
        trip.introduced += [trip.cite(place, quote), trip.cite(body, quote), *posts]

    def _home_country(self, trip: Trip) -> None:
        iri = self._place_iri(HOME[0])
        if iri not in self.known:
            self.known.add(iri)
            country = Resource(iri, "schema:Country").names(*HOME[1:])
            trip.introduced.append(trip.cite(country, "(Республика Казахстан)"))

    def _country(self, trip: Trip, country: Country) -> None:
        iri = self._place_iri(country.slug)
        if iri not in self.known:
            self.known.add(iri)
            place = Resource(iri, "schema:Country").names(country.ru, country.en, country.kk)
            trip.introduced.append(trip.cite(place, f"рабочую поездку в {country.ru_acc}"))

    def _province(self, trip: Trip, country: Country, province: Province, quote: str) -> str:
        iri = self._place_iri(province.slug)
        if iri not in self.known:
            self.known.add(iri)
            place = Resource(iri, "schema:AdministrativeArea")
            place.names(province.ru, province.en, province.kk if self.random.random() < 0.5 else None)
            place.add("schema:containedInPlace", self._place_iri(country.slug))
            trip.introduced.append(trip.cite(place, quote))
        return iri

    def _city(self, trip: Trip, country: Country, province: Province, city, quote: str) -> str:
        slug, ru, en, kk = city
        iri = self._place_iri(slug)
        if iri not in self.known:
            self.known.add(iri)
            province_iri = self._province(trip, country, province, f"({province.ru_paren})")
            place = Resource(iri, "schema:City").names(ru, en, kk)
            place.add("schema:containedInPlace", province_iri)
            trip.introduced.append(trip.cite(place, quote))
        return iri

    def _source(self, trip: Trip, region: Region, country: Country, published: date | None) -> Resource:
        source = Resource(trip.source, "schema:NewsArticle", "prov:Entity")
        source.names(
            f"Пресс-релиз о рабочей поездке акима {region.ru_gen} в {country.ru_acc} "
            f"(синтетический № {trip.number})",
            f"Press release on the working trip of the Akim of {region.en} to {country.en} "
            f"(synthetic no. {trip.number})",
        )
        source.names(
            "Синтетический текст, созданный командой publisher synth для испытаний на объёме; "
            "не описывает реальных событий.",
            "Synthetic text made by publisher synth for scale testing; it describes no real events.",
            predicate="schema:description",
        )
        source.add("schema:identifier", text(f"{PREFIX}{self.seed}-{trip.number:06d}"))
        source.add("schema:inLanguage", text("ru"))
        source.add("schema:encodingFormat", text("text/plain"))
        if published:
            source.add("schema:datePublished", typed(published.isoformat(), "xsd:date"))
        body = trip.text
        missing = [quote for quote in trip.quotes if quote not in body]
        if missing:  # a bug in the generator, never in the data
            raise AssertionError(f"quotes missing from the text of {trip.source}: {missing}")
        source.add("schema:text", text(body))
        return source

    @staticmethod
    def _akimat_iri(region: Region) -> str:
        return f"organization:{PREFIX}akimat-of-{region.slug}"

    @staticmethod
    def _place_iri(slug: str) -> str:
        return f"place:{PREFIX}{slug}"


def _has_date(meeting: Resource) -> bool:
    return "mtg:dateAsStated" in meeting.values


def _day(day: date) -> str:
    return f"{day.day} {MONTHS['ru'][day.month - 1]}"


def _enumerate(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " и " + items[-1]


def _slug(words: str) -> str:
    """Lowercase ASCII, hyphenated: the form of our IRIs' last segment."""
    table = str.maketrans("üöäıİşŞçÇğĞ", "uoaiissccgg")
    ascii_words = words.translate(table).lower()
    return "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in ascii_words).split())
