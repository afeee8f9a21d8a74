"""An administrator enters the privacy rules' appeal limits and fines; an empty figure reads "not set" (000)."""
from engine import Database
from city.citydata import CityData

PAGE = "/admin/settings/privacy-rules"


def test_with_no_rule_entered_every_appeal_limit_and_fine_reads_not_set(client, login_as):
    login_as("administrator")
    page = client.get(PAGE).get_data(as_text=True)
    assert "No rule entered: every appeal limit and fine is not set." in page


def test_an_administrator_enters_a_rule_and_the_figures_left_empty_read_not_set(client, login_as, csrf_token,
                                                                              database_url):
    login_as("administrator")
    answer = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "rule_ref": "Code Sec. 2-1234",
                                     "title": "Personal data held by the city", "appeal_limit_days": "30",
                                     "fine_first": "500.00"}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Code Sec. 2-1234 is saved." in page
    assert "30 days" in page and "$500.00" in page and page.count("not set") >= 2
    database = Database(database_url)
    assert CityData(database)()["privacy_rules"]["Code Sec. 2-1234"].appeal_limit_days == 30
    database.dispose()


def test_an_appeal_limit_that_is_not_a_number_of_days_is_refused_beside_its_field(client, login_as, csrf_token):
    login_as("administrator")
    answer = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "rule_ref": "AR 1-05",
                                     "title": "IT data handling",
                                     "appeal_limit_days": "thirty"})
    assert answer.status_code == 400
    assert "is not a number of days" in answer.get_data(as_text=True)


def test_only_administrators_open_the_privacy_rules(client, login_as):
    login_as("city_clerk")
    assert client.get(PAGE).status_code == 403


def test_the_change_log_says_which_figures_of_a_rule_are_not_set(client, login_as, csrf_token):
    login_as("administrator")
    client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "rule_ref": "AR 1-05", "title": "IT data handling"})
    client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "rule_ref": "AR 1-05", "title": "IT data handling",
                            "appeal_limit_days": "15"})
    page = client.get("/admin/settings/changes").get_data(as_text=True)
    assert "The privacy rule AR 1-05 was entered" in page and "fine, first offence “not set”" in page
    assert "appeal time limit (days) “not set” → “15”" in page
