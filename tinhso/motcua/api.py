from ninja import Router

router = Router(tags=["one-stop back office"])
