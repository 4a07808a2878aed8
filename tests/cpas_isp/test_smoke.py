def test_login_page_is_french_by_default(client, db):
    response = client.get("/connexion/")
    assert response.status_code == 200
    assert "Connexion" in response.content.decode()
